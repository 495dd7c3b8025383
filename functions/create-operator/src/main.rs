//! `create-operator`: POST /admin/operators.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::CreateOperator>().await
}
