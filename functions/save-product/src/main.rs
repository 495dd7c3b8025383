//! `save-product`: PUT /admin/products/{id}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::SaveProduct>().await
}
