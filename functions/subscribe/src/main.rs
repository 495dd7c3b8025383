//! `subscribe`: POST /users/me/subscriptions.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::wechat::Subscribe>().await
}
