//! `pay-notify`: POST /pay/notify, WeChat Pay's payment notifications.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::webhook::serve::<shared::payments::PayNotify>().await
}
