//! `cancel-order`: POST /orders/{id}/cancel.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::CancelOrder>().await
}
