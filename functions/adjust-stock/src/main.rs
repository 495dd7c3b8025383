//! `adjust-stock`: POST /admin/products/{id}/stock.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::AdjustStock>().await
}
