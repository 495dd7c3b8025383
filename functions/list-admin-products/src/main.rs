//! `list-admin-products`: GET /admin/products.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::ListAdminProducts>().await
}
