//! `return-after-sales`: POST /orders/{id}/after-sales/{number}/return.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::ReturnAfterSales>().await
}
