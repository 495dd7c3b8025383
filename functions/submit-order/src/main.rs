//! `submit-order`: POST /orders.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::orders::SubmitOrder>().await
}
