//! `update-user-info`: PATCH /users/me.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::identity::UpdateUserInfo>().await
}
