//! `refund-notify`: POST /pay/refund-notify, WeChat Pay's refund notifications.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::webhook::serve::<shared::payments::RefundNotify>().await
}
