//! `submit-order`: POST /orders.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::SubmitOrder>().await
}
