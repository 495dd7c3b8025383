//! `list-after-sales`: GET /orders/{id}/after-sales.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::ListAfterSales>().await
}
