//! `login`: POST /auth/login.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::auth::Login>().await
}
