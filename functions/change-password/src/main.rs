//! `change-password`: POST /admin/password.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::operators::ChangePassword>().await
}
