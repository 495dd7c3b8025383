//! `sign-out`: DELETE /admin/session.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::SignOut>().await
}
