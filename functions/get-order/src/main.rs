//! `get-order`: GET /orders/{id}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::orders::GetOrder>().await
}
