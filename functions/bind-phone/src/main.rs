//! `bind-phone`: POST /users/me/phone.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::identity::BindPhone>().await
}
