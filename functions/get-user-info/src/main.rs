//! `get-user-info`: GET /users/me.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::identity::GetUserInfo>().await
}
