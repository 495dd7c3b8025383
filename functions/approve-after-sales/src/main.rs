//! `approve-after-sales`: POST /admin/orders/{id}/after-sales/{number}/approve.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::ApproveAfterSales>().await
}
