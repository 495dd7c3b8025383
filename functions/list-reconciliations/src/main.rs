//! `list-reconciliations`: GET /admin/reconciliations.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::reconciliation::ListReconciliations>().await
}
