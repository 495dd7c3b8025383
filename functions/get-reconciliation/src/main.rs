//! `get-reconciliation`: GET /admin/reconciliations/{date}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::reconciliation::GetReconciliation>().await
}
