//! `list-audit`: GET /admin/audit.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::ListAudit>().await
}
