//! `list-orders`: GET /orders.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::ListOrders>().await
}
