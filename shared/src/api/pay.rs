//! `payNotify` and `expireOrders`. `payNotify`: WeChat Pay's payment notifications (`POST /pay/notify`, public: the signature is
//! the credential). Answers 204 once handled, or `{"code":"FAIL","message":...}` with a 4xx/5xx so
//! WeChat Pay sends it again.

use lambda_http::http::{HeaderMap, Method, StatusCode};
use serde_json::json;

use crate::runtime::error::ApiError;
use crate::runtime::events::EventHandler;
use crate::runtime::webhook::{Webhook, WebhookReply};
use crate::services::payment::{Expiry, NoticeError, NoticeHeaders, PaymentNotices, SweepReport};

/// `POST /pay/notify`.
pub struct PayNotify;

impl Webhook for PayNotify {
    const NAME: &'static str = "pay-notify";
    const METHOD: Method = Method::POST;
    type Service = PaymentNotices;

    async fn handle(notices: &PaymentNotices, headers: &HeaderMap, body: &[u8]) -> WebhookReply {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let signed = NoticeHeaders {
            serial: header("wechatpay-serial"),
            timestamp: header("wechatpay-timestamp"),
            nonce: header("wechatpay-nonce"),
            signature: header("wechatpay-signature"),
        };
        match notices.receive(signed, body).await {
            Ok(outcome) => WebhookReply {
                status: StatusCode::NO_CONTENT,
                body: None,
                outcome: format!("{outcome:?}"),
            },
            Err(err) => {
                let status = match &err {
                    NoticeError::Forged(_) => StatusCode::UNAUTHORIZED,
                    NoticeError::Malformed(_) | NoticeError::Mismatch(_) => StatusCode::BAD_REQUEST,
                    NoticeError::Pay(_) | NoticeError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
                };
                let message = match status {
                    StatusCode::INTERNAL_SERVER_ERROR => "temporarily unavailable; send it again".to_owned(),
                    _ => err.to_string(),
                };
                let mut reply = Self::failure(status, &message);
                reply.outcome = format!("{err}: {}", crate::runtime::error::chain(&err));
                reply
            }
        }
    }

    fn failure(status: StatusCode, message: &str) -> WebhookReply {
        WebhookReply {
            status,
            body: Some(json!({ "code": "FAIL", "message": message }).to_string()),
            outcome: message.to_owned(),
        }
    }
}

/// The expiry sweep, every minute (EventBridge Scheduler): unpaid orders past their deadline are
/// checked at WeChat Pay, closed, cancelled and restocked (or marked paid when WeChat Pay says so).
pub struct ExpireOrders;

impl EventHandler for ExpireOrders {
    const NAME: &'static str = "expire-orders";
    type Event = serde_json::Value;
    type Output = SweepReport;
    type Service = Expiry;

    async fn handle(expiry: &Expiry, _event: serde_json::Value) -> Result<SweepReport, ApiError> {
        Ok(expiry.sweep().await?)
    }
}
