//! `expire-orders`: every minute, unpaid orders past their deadline are closed and restocked.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::events::serve::<shared::payments::ExpireOrders>().await
}
