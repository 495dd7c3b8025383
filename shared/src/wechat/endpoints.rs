//! The WeChat platform functions: `refreshWechatToken`, the scheduled refresh of the shared
//! access token, and `wechatPush`, WeChat's message push (`GET`/`POST /wechat/push`).

use std::collections::BTreeMap;

use lambda_http::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::files::media_checks::{MediaEventError, MediaVerdict};
use crate::fulfilment::receipts::ReceiptOutcome;
use crate::runtime::error::ApiError;
use crate::runtime::events::EventHandler;
use crate::runtime::http::{Limit, endpoint};
use crate::runtime::webhook::{TEXT, Webhook, WebhookCall, WebhookReply};
use crate::wechat::messages::Subscriptions;
use crate::wechat::push::{PushError, PushOutcome, PushQuery, PushReceiver, PushRefusal};
use crate::wechat::token_refresher::{RefresherReport, TokenRefresher};

/// Every minute (EventBridge Scheduler): the shared WeChat access token is replaced when it is
/// due or reported refused. The event's content is ignored.
pub struct RefreshWeChatToken;

impl EventHandler for RefreshWeChatToken {
    const NAME: &'static str = "refresh-wechat-token";
    type Event = serde_json::Value;
    type Output = RefresherReport;
    type Service = TokenRefresher;

    async fn handle(
        refresher: &TokenRefresher,
        _event: serde_json::Value,
    ) -> Result<RefresherReport, ApiError> {
        Ok(refresher.run().await?)
    }

    fn metrics(report: &RefresherReport) -> Vec<(&'static str, f64)> {
        vec![(
            "AccessTokenRefreshes",
            f64::from(u8::from(report.token.refreshed)),
        )]
    }
}

/// `GET /wechat/push` (WeChat's URL verification: answers `echostr`) and `POST /wechat/push`
/// (events, JSON, plaintext or safe mode: answers `success`). Public: the signature is the
/// credential. A forged call gets 401; one WeChat should send again (storage down) a 5xx.
pub struct WechatPush;

impl Webhook for WechatPush {
    const NAME: &'static str = "wechat-push";
    const METHODS: &'static [Method] = &[Method::GET, Method::POST];
    type Service = PushReceiver;

    async fn handle(receiver: &PushReceiver, call: WebhookCall<'_>) -> WebhookReply {
        let query = PushQuery {
            signature: call.query("signature"),
            timestamp: call.query("timestamp"),
            nonce: call.query("nonce"),
            echostr: call.query("echostr"),
            encrypt_type: call.query("encrypt_type"),
            msg_signature: call.query("msg_signature"),
        };
        let result = if call.method == Method::GET {
            receiver.verify(&query)
        } else {
            receiver.receive(&query, call.body).await
        };
        match result {
            Ok(PushOutcome::Verified(echo)) => text(StatusCode::OK, echo, "verified".into(), None),
            Ok(outcome) => {
                let metric = match outcome {
                    PushOutcome::Media(MediaVerdict::Removed) => Some("ImagesRemoved"),
                    PushOutcome::Receipt(ReceiptOutcome::Completed) => Some("OrdersCompleted"),
                    _ => None,
                };
                text(StatusCode::OK, "success".into(), format!("{outcome:?}"), metric)
            }
            Err(err) => {
                let status = match &err {
                    PushRefusal::Push(PushError::Forged | PushError::Stale | PushError::Replayed) => {
                        StatusCode::UNAUTHORIZED
                    }
                    PushRefusal::Push(PushError::Malformed(_)) => StatusCode::BAD_REQUEST,
                    PushRefusal::Event(MediaEventError::Malformed(_)) => StatusCode::BAD_REQUEST,
                    PushRefusal::Event(_) | PushRefusal::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
                };
                if status.is_server_error() {
                    tracing::error!(error = %err, "a push could not be applied: WeChat will send it again");
                }
                text(status, "fail".into(), err.to_string(), None)
            }
        }
    }

    fn failure(status: StatusCode, message: &str) -> WebhookReply {
        text(status, "fail".into(), message.to_owned(), None)
    }
}

fn text(status: StatusCode, body: String, outcome: String, metric: Option<&'static str>) -> WebhookReply {
    WebhookReply {
        status,
        body: Some(body),
        content_type: TEXT,
        outcome,
        metrics: metric.map(|name| vec![(name, 1.0)]).unwrap_or_default(),
    }
}

/// `subscribe`'s body: the template ids `wx.requestSubscribeMessage` answered `accept` for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    pub accepted: Vec<String>,
}

/// How many messages of each template the caller now allows.
#[derive(Debug, Serialize)]
pub struct SubscriptionCounts {
    pub subscriptions: BTreeMap<String, u32>,
}

endpoint! {
    /// `POST /users/me/subscriptions`: one more message of each accepted template is allowed.
    Subscribe: POST "subscribe", Caller, Subscriptions, limit = Limit::PerUser(Scope::Profile);
    fn(subscriptions, ctx, input: SubscribeInput) -> SubscriptionCounts {
        subscriptions
            .accept(&ctx.caller.openid, &input.accepted)
            .await
            .map(|subscriptions| SubscriptionCounts { subscriptions })
    }
}
