//! `refresh`: POST /auth/refresh.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::auth::Refresh>().await
}
