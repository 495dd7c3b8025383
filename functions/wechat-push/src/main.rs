//! `wechat-push`: GET and POST /wechat/push, WeChat's message push.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::webhook::serve::<shared::wechat::WechatPush>().await
}
