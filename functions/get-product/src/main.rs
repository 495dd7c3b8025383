//! `get-product`: GET /products/{id}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::catalog::GetProduct>().await
}
