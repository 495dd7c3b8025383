//! The payments endpoints: `payOrder` and `refundOrder` (the caller's own orders), `payNotify`
//! and `refundNotify` (WeChat Pay's notifications, public: the signature is the credential), and
//! `expireOrders`, the sweep.
//!
//! A notification is answered 204 once handled, or `{"code":"FAIL","message":...}` with a 4xx/5xx so
//! WeChat Pay sends it again.

use lambda_http::http::{Method, StatusCode};
use serde_json::json;

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::domain::orders::Order;
use crate::orders::OrderIdInput;
use crate::payments::expiry::{Expiry, SweepReport};
use crate::payments::notices::{
    NoticeError, NoticeKind, NoticeOutcome, Notices, PaymentNotices, RefundNotices, SignatureHeaders,
};
use crate::payments::pay::{PaymentError, PaymentParams, Payments};
use crate::payments::refunds::{RefundError, Refunds};
use crate::runtime::error::ApiError;
use crate::runtime::events::EventHandler;
use crate::runtime::http::{Limit, endpoint};
use crate::runtime::webhook::{JSON, Webhook, WebhookCall, WebhookReply};

endpoint! {
    /// `POST /orders/{id}/pay`: the parameters of `wx.requestPayment` for the caller's unpaid order.
    PayOrder: POST "pay-order", Caller, Payments, limit = Limit::PerUser(Scope::Order);
    fn(payments, ctx, input: OrderIdInput) -> PaymentParams {
        let order_id = input.order_id(PaymentError::NotFound)?;
        payments.pay(&ctx.caller.openid, &order_id).await
    }
}

endpoint! {
    /// `POST /orders/{id}/refund`: a full refund of the caller's paid order (REFUNDING until WeChat
    /// Pay's refund notification); asking again never refunds twice.
    RefundOrder: POST "refund-order", Caller, Refunds, limit = Limit::PerUser(Scope::Order), metric = "RefundsRequested";
    fn(refunds, ctx, input: OrderIdInput) -> Order {
        let order_id = input.order_id(RefundError::NotFound)?;
        refunds.refund(Some(&ctx.caller.openid), &order_id).await
    }
}

/// `POST /pay/notify`.
pub struct PayNotify;

impl Webhook for PayNotify {
    const NAME: &'static str = "pay-notify";
    const METHODS: &'static [Method] = &[Method::POST];
    type Service = PaymentNotices;

    async fn handle(notices: &PaymentNotices, call: WebhookCall<'_>) -> WebhookReply {
        receive(notices, call, |outcome| match outcome {
            NoticeOutcome::Paid { total_fen } => {
                vec![("PaymentsSucceeded", 1.0), ("PaidFen", *total_fen as f64)]
            }
            NoticeOutcome::Refunded => vec![("LatePaymentsRefunded", 1.0)],
            _ => Vec::new(),
        })
        .await
    }

    fn failure(status: StatusCode, message: &str) -> WebhookReply {
        fail(status, message)
    }
}

/// One notification through its receiver: the answer WeChat Pay expects, and the metrics of its
/// outcome (`counts`); a refused or failed one counts as `NotificationsFailed`.
async fn receive<K: NoticeKind>(
    notices: &Notices<K>,
    call: WebhookCall<'_>,
    counts: fn(&NoticeOutcome) -> Vec<(&'static str, f64)>,
) -> WebhookReply {
    let result = notices
        .receive(&SignatureHeaders::from_headers(call.headers), call.body)
        .await;
    let metrics = match &result {
        Ok(outcome) => counts(outcome),
        Err(_) => vec![("NotificationsFailed", 1.0)],
    };
    WebhookReply {
        metrics,
        ..reply(result)
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
            metrics: Vec::new(),
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
        metrics: Vec::new(),
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
        receive(notices, call, |outcome| match outcome {
            NoticeOutcome::Refunded => vec![("Refunds", 1.0)],
            // ABNORMAL or CLOSED: the money did not go back; an operator settles it.
            NoticeOutcome::NeedsOperator => vec![("RefundsFailed", 1.0)],
            _ => Vec::new(),
        })
        .await
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
            ("RefundsFailed", report.refunds_flagged as f64),
            ("SweepFailures", report.failed as f64),
        ]
    }
}
