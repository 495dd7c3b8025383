//! `list-admin-orders`: GET /admin/orders.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::ListAdminOrders>().await
}
