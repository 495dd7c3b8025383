//! `payNotify` and `expireOrders`. `payNotify`: WeChat Pay's payment notifications (`POST /pay/notify`, public: the signature is
//! the credential). Answers 204 once handled, or `{"code":"FAIL","message":...}` with a 4xx/5xx so
//! WeChat Pay sends it again.

use lambda_http::http::{HeaderMap, Method, StatusCode};
use serde_json::json;

use crate::runtime::error::ApiError;
use crate::runtime::events::EventHandler;
use crate::runtime::webhook::{JSON, Webhook, WebhookCall, WebhookReply};
use crate::services::payment::{
    Expiry, NoticeError, NoticeHeaders, NoticeOutcome, PaymentNotices, RefundNotices, SweepReport,
};

/// `POST /pay/notify`.
pub struct PayNotify;

impl Webhook for PayNotify {
    const NAME: &'static str = "pay-notify";
    const METHODS: &'static [Method] = &[Method::POST];
    type Service = PaymentNotices;

    async fn handle(notices: &PaymentNotices, call: WebhookCall<'_>) -> WebhookReply {
        let result = notices.receive(notice_headers(call.headers), call.body).await;
        let metric = match &result {
            Ok(NoticeOutcome::Paid) => Some("PaymentsSucceeded"),
            Ok(NoticeOutcome::Refunded) => Some("LatePaymentsRefunded"),
            _ => None,
        };
        WebhookReply {
            metric,
            ..reply(result)
        }
    }

    fn failure(status: StatusCode, message: &str) -> WebhookReply {
        fail(status, message)
    }
}

/// The signature headers of a WeChat Pay notification.
fn notice_headers(headers: &HeaderMap) -> NoticeHeaders<'_> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    NoticeHeaders {
        serial: header("wechatpay-serial"),
        timestamp: header("wechatpay-timestamp"),
        nonce: header("wechatpay-nonce"),
        signature: header("wechatpay-signature"),
    }
}

/// WeChat Pay's answer to a notification: 204 once handled; otherwise FAIL, and it sends it again.
fn reply(result: Result<NoticeOutcome, NoticeError>) -> WebhookReply {
    match result {
        Ok(outcome) => WebhookReply {
            status: StatusCode::NO_CONTENT,
            body: None,
            content_type: JSON,
            outcome: format!("{outcome:?}"),
            metric: None,
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
            let mut reply = fail(status, &message);
            reply.outcome = crate::runtime::error::chain(&err);
            reply
        }
    }
}

fn fail(status: StatusCode, message: &str) -> WebhookReply {
    WebhookReply {
        status,
        body: Some(json!({ "code": "FAIL", "message": message }).to_string()),
        content_type: JSON,
        outcome: message.to_owned(),
        metric: None,
    }
}

/// `POST /pay/refund-notify`: WeChat Pay's refund notifications, verified and decrypted like payment
/// notifications; a successful refund moves its order from REFUNDING to REFUNDED once.
pub struct RefundNotify;

impl Webhook for RefundNotify {
    const NAME: &'static str = "refund-notify";
    const METHODS: &'static [Method] = &[Method::POST];
    type Service = RefundNotices;

    async fn handle(notices: &RefundNotices, call: WebhookCall<'_>) -> WebhookReply {
        let result = notices.0.receive(notice_headers(call.headers), call.body).await;
        let metric = matches!(result, Ok(NoticeOutcome::Refunded)).then_some("Refunds");
        WebhookReply {
            metric,
            ..reply(result)
        }
    }

    fn failure(status: StatusCode, message: &str) -> WebhookReply {
        fail(status, message)
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

    fn metrics(report: &SweepReport) -> Vec<(&'static str, f64)> {
        vec![
            ("OrdersExpired", report.cancelled as f64),
            ("PaymentsSucceeded", report.paid as f64),
            ("Refunds", report.refunded as f64),
        ]
    }
}
