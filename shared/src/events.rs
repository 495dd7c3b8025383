//! The adapter of non-HTTP functions (S3 triggers): build once, one JSON log line per event,
//! errors returned to Lambda so the asynchronous invocation is retried.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::ConfigError;
use crate::error::ApiError;
use crate::startup::Startup;

/// A function triggered by an AWS event rather than an HTTP request.
pub trait EventHandler: Sized + Send + Sync + 'static {
    const NAME: &'static str;
    type Event: DeserializeOwned + Send;
    type Output: Serialize + Send;

    fn build(startup: &Startup) -> impl Future<Output = Result<Self, ConfigError>> + Send;

    fn handle(&self, event: Self::Event) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;
}

/// Runs `H` as a Lambda function.
pub async fn serve<H: EventHandler>() -> Result<(), lambda_runtime::Error> {
    crate::telemetry::init();
    let startup = Startup::from_env().await;
    let handler = Arc::new(H::build(&startup).await.inspect_err(|err| {
        tracing::error!(function = H::NAME, error = %err, "cold start failed");
    })?);
    startup.warm_up().await;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<H::Event>| {
        let handler = handler.clone();
        async move {
            handle(&*handler, &event.context.request_id, event.payload)
                .await
                .map_err(|err| -> crate::error::BoxError { Box::new(err) })
        }
    }))
    .await
}

/// Handles one event and logs it.
pub async fn handle<H: EventHandler>(
    handler: &H,
    request_id: &str,
    event: H::Event,
) -> Result<H::Output, ApiError> {
    let started = Instant::now();
    let result = handler.handle(event).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &result {
        Ok(output) => {
            let output = serde_json::to_string(output).unwrap_or_default();
            tracing::info!(request_id, function = H::NAME, latency_ms, output, "event");
        }
        Err(err) => tracing::error!(
            request_id,
            function = H::NAME,
            latency_ms,
            code = err.code(),
            error = err.cause_chain(),
            "event"
        ),
    }
    result
}
