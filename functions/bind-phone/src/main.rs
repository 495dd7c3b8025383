//! `bind-phone`: POST /users/me/phone.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::api::users::BindPhone>().await
}
