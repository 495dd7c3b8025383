//! `get-admin-order`: GET /admin/orders/{id}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::GetAdminOrder>().await
}
