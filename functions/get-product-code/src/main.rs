//! `get-product-code`: GET /products/{id}/code.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::GetProductCode>().await
}
