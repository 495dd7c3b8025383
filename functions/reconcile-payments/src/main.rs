//! `reconcile-payments`: daily, the day before is reconciled against WeChat Pay's bills.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::events::serve::<shared::reconciliation::ReconcilePayments>().await
}
