//! `refund-order`: POST /orders/{id}/refund.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::payments::RefundOrder>().await
}
