//! `list-operators`: GET /admin/operators.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::ListOperators>().await
}
