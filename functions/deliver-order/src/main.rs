//! `deliver-order`: POST /admin/orders/{id}/deliveries.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::fulfilment::DeliverOrder>().await
}
