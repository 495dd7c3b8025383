//! `cancel-after-sales`: POST /orders/{id}/after-sales/{number}/cancel.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::CancelAfterSales>().await
}
