//! The adapter of non-HTTP functions (S3 triggers, schedules): state built once, one JSON log
//! line per event, panics caught, and errors returned to Lambda so the asynchronous invocation is
//! retried (and, after its retries, sent to the function's on-failure destination).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt as _;
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use super::config::ConfigError;
use super::error::{ApiError, BoxError};
use super::http::panic_message;
use super::serve::ColdStart;
use super::startup::{Build, Startup};
use crate::infra::timing::{Dependency, measure};

/// A function triggered by an AWS event rather than an HTTP request.
pub trait EventHandler: Send + Sync + 'static {
    const NAME: &'static str;
    type Event: DeserializeOwned + Send;
    type Output: Serialize + Send;
    /// What the handler calls, built once per cold start.
    type Service: Build;

    fn handle(
        service: &Self::Service,
        event: Self::Event,
    ) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;

    /// The business counts of a handled event (`OrdersExpired`), as metrics.
    fn metrics(_output: &Self::Output) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
}

/// Runs `H` as a Lambda function (the cold start of [`super::serve`]); an error goes back to
/// Lambda, so the asynchronous invocation is retried.
pub async fn serve<H: EventHandler>() -> Result<(), lambda_runtime::Error> {
    let adapter = super::serve::cold_start::<EventAdapter<H>>().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<H::Event>| {
        let adapter = adapter.clone();
        async move {
            // Boxed, as the cold start is (runtime/serve.rs): the handler's future nests deeply.
            Box::pin(adapter.handle(&event.context.request_id, event.payload))
                .await
                .map_err(|err| -> BoxError { Box::new(err) })
        }
    }))
    .await
}

/// Wraps an [`EventHandler`] with what every event function does the same way.
pub struct EventAdapter<H: EventHandler> {
    service: H::Service,
}

impl<H: EventHandler> ColdStart for EventAdapter<H> {
    const NAME: &'static str = H::NAME;

    async fn cold_start(startup: &Startup) -> Result<Self, ConfigError> {
        Self::build(startup).await
    }
}

impl<H: EventHandler> EventAdapter<H> {
    pub async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            service: H::Service::build(startup).await?,
        })
    }

    /// Handles one event and logs it; a panic becomes an error, so Lambda retries the event.
    pub async fn handle(&self, request_id: &str, event: H::Event) -> Result<H::Output, ApiError> {
        let started = Instant::now();
        let span = tracing::info_span!("event", request_id, function = H::NAME);
        let (result, spent) =
            measure(AssertUnwindSafe(H::handle(&self.service, event).instrument(span)).catch_unwind()).await;
        let result = result
            .unwrap_or_else(|panic| Err(ApiError::internal("handling the event", panic_message(&*panic))));
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        super::metrics::record(&super::metrics::Measured {
            function: H::NAME,
            request_id,
            status: if result.is_ok() { 200 } else { 500 },
            code: result.as_ref().err().map_or(0, ApiError::code),
            latency_ms,
            business: result.as_ref().map(H::metrics).unwrap_or_default(),
        });
        // The event's log line, with where the time went (see infra::timing).
        macro_rules! log_event {
            ($level:expr, $($fields:tt)*) => {
                tracing::event!(
                    $level, request_id, function = H::NAME, latency_ms,
                    dynamodb_ms = spent.millis(Dependency::DynamoDb),
                    dynamodb_calls = spent.calls(Dependency::DynamoDb),
                    s3_ms = spent.millis(Dependency::S3),
                    wechat_ms = spent.millis(Dependency::WeChat),
                    wechatpay_ms = spent.millis(Dependency::WeChatPay),
                    $($fields)*
                )
            };
        }
        match &result {
            Ok(output) => {
                let output = serde_json::to_string(output).unwrap_or_default();
                log_event!(tracing::Level::INFO, output, "event");
            }
            Err(err) => log_event!(
                tracing::Level::ERROR,
                code = err.code(),
                error = err.cause_chain(),
                "event"
            ),
        }
        result
    }
}
