//! `delete-operator`: DELETE /admin/operators/{id}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::DeleteOperator>().await
}
