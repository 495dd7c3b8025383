//! `list-products`: GET /products.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::ListProducts>().await
}
