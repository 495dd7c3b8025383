//! `reject-after-sales`: POST /admin/orders/{id}/after-sales/{number}/reject.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::RejectAfterSales>().await
}
