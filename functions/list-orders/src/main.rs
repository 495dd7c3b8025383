//! `list-orders`: GET /orders.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::orders::ListOrders>().await
}
