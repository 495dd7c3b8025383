//! `get-me`: GET /admin/me.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::GetMe>().await
}
