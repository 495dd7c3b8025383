//! `pay-order`: POST /orders/{id}/pay.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::payments::PayOrder>().await
}
