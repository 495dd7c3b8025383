//! `list-refund-issues`: GET /admin/refund-issues.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::ListRefundIssues>().await
}
