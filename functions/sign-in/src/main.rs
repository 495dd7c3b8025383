//! `sign-in`: POST /admin/session.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::SignIn>().await
}
