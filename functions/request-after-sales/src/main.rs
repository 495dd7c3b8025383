//! `request-after-sales`: POST /orders/{id}/after-sales.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::RequestAfterSales>().await
}
