//! `ship-order`: POST /admin/orders/{id}/ship (operators, AWS IAM).

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::fulfilment::ShipOrder>().await
}
