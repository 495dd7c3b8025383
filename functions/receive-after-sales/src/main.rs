//! `receive-after-sales`: POST /admin/orders/{id}/after-sales/{number}/receive.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::ReceiveAfterSales>().await
}
