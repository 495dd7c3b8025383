//! `get-user-info`: GET /users/me.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::users::GetUserInfo>().await
}
