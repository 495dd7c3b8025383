//! `refresh-wechat-token`: every minute, the shared WeChat access token is replaced when due or
//! reported refused. With login, the only function whose role may read the app secret.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::events::serve::<shared::wechat::RefreshWeChatToken>().await
}
