//! `logout`: POST /auth/logout.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::identity::Logout>().await
}
