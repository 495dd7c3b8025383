//! `get-product`: GET /products/{id}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::GetProduct>().await
}
