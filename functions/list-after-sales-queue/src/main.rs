//! `list-after-sales-queue`: GET /admin/after-sales.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::ListAfterSalesQueue>().await
}
