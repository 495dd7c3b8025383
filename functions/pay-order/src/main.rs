//! `pay-order`: POST /orders/{id}/pay.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::orders::PayOrder>().await
}
