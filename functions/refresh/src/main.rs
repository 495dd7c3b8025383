//! `refresh`: POST /auth/refresh.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::identity::Refresh>().await
}
