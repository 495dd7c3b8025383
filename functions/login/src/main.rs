//! `login`: POST /auth/login.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::identity::Login>().await
}
