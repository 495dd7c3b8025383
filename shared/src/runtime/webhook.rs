//! The adapter of webhooks: HTTP endpoints that other services call with their own contract (a
//! raw, signed body; an answer in their format, not our envelope), such as WeChat Pay's
//! notifications. State built once, one access-log line per call, panics caught.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt as _;
use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::http::{HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt as _, Response};
use tracing::Instrument as _;

use super::config::ConfigError;
use super::http::panic_message;
use super::serve::{ColdStart, HttpFunction};
use super::startup::{Build, Startup};
use crate::infra::timing::{Dependency, Spent, measure};

/// What a webhook answers: a status and, when it has one, a body (JSON unless `content_type`
/// says otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookReply {
    pub status: StatusCode,
    pub body: Option<String>,
    pub content_type: &'static str,
    /// What happened, for the log (never sent).
    pub outcome: String,
    /// The business counts it adds to (`("PaymentsSucceeded", 1.0)`), as metrics.
    pub metrics: Vec<(&'static str, f64)>,
}

/// The content type of JSON answers.
pub const JSON: &str = "application/json; charset=utf-8";
/// The content type of plain-text answers.
pub const TEXT: &str = "text/plain; charset=utf-8";

/// One call of a webhook, exactly as received.
pub struct WebhookCall<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    query: Option<lambda_http::aws_lambda_events::query_map::QueryMap>,
    pub body: &'a [u8],
}

impl WebhookCall<'_> {
    /// The first value of the query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.as_ref().and_then(|q| q.first(name))
    }
}

/// One webhook endpoint.
pub trait Webhook: Send + Sync + 'static {
    const NAME: &'static str;
    /// The methods it answers; any other is 405.
    const METHODS: &'static [Method];
    type Service: Build;

    /// Handles one call.
    fn handle(service: &Self::Service, call: WebhookCall<'_>) -> impl Future<Output = WebhookReply> + Send;

    /// The answer when the handler panicked or the method is wrong.
    fn failure(status: StatusCode, message: &str) -> WebhookReply;
}

/// Runs `W` as a Lambda function (see [`super::serve`]).
pub async fn serve<W: Webhook>() -> Result<(), lambda_http::Error> {
    super::serve::serve_http::<WebhookAdapter<W>>().await
}

/// Wraps a [`Webhook`] with what every webhook does the same way.
pub struct WebhookAdapter<W: Webhook> {
    service: W::Service,
}

impl<W: Webhook> ColdStart for WebhookAdapter<W> {
    const NAME: &'static str = W::NAME;

    async fn cold_start(startup: &Startup) -> Result<Self, ConfigError> {
        Self::build(startup).await
    }
}

impl<W: Webhook> HttpFunction for WebhookAdapter<W> {
    async fn respond(&self, request: Request) -> Response<Body> {
        self.handle(request).await
    }
}

impl<W: Webhook> WebhookAdapter<W> {
    pub async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            service: W::Service::build(startup).await?,
        })
    }

    /// Turns any call into an answer; never fails, never panics.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let request_id = request
            .lambda_context_ref()
            .map(|ctx| ctx.request_id.clone())
            .unwrap_or_default();
        // A refused method runs nothing: it has no dependency time to measure.
        let (mut reply, dependencies) = if !W::METHODS.contains(request.method()) {
            let refused = W::failure(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            (refused, std::sync::Arc::new(Spent::default()))
        } else {
            let span = tracing::info_span!("request", request_id = %request_id, function = W::NAME);
            let call = WebhookCall {
                method: request.method(),
                headers: request.headers(),
                query: request.query_string_parameters_ref().cloned(),
                body: request.body(),
            };
            let (reply, spent) =
                measure(AssertUnwindSafe(W::handle(&self.service, call).instrument(span)).catch_unwind())
                    .await;
            let reply = reply.unwrap_or_else(|panic| {
                tracing::error!(
                    request_id,
                    function = W::NAME,
                    error = panic_message(&*panic),
                    "panic"
                );
                W::failure(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            });
            (reply, spent)
        };
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = reply.status.as_u16();
        super::metrics::record(&super::metrics::Measured {
            function: W::NAME,
            request_id: &request_id,
            status,
            code: 0,
            latency_ms,
            business: std::mem::take(&mut reply.metrics),
        });
        macro_rules! log_call {
            ($level:expr) => {
                tracing::event!(
                    $level,
                    request_id,
                    function = W::NAME,
                    status,
                    latency_ms,
                    outcome = reply.outcome,
                    dynamodb_ms = dependencies.millis(Dependency::DynamoDb),
                    dynamodb_calls = dependencies.calls(Dependency::DynamoDb),
                    wechat_ms = dependencies.millis(Dependency::WeChat),
                    wechatpay_ms = dependencies.millis(Dependency::WeChatPay),
                    "webhook"
                )
            };
        }
        if reply.status.is_success() {
            log_call!(tracing::Level::INFO);
        } else {
            log_call!(tracing::Level::WARN);
        }
        let mut response = Response::new(reply.body.map_or(Body::Empty, Body::Text));
        *response.status_mut() = reply.status;
        if reply.status == StatusCode::METHOD_NOT_ALLOWED {
            super::http::allow(&mut response, W::METHODS);
        }
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
        response
    }
}
