//! The one cold start and the one event loop of every function kind: the environment and AWS
//! config read once, telemetry, the function's state built once (a failure logged with the
//! function's name and returned, so Lambda reports the init error), the init-time warm-up, then
//! Lambda's loop.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use lambda_http::{Body, Request, Response, service_fn};

use super::config::ConfigError;
use super::startup::Startup;

/// What a function builds at cold start: an HTTP endpoint's, a webhook's or an event handler's
/// adapter.
pub trait ColdStart: Sized + Send + Sync + 'static {
    /// The function's name, as in `functions/` and the logs.
    const NAME: &'static str;

    fn cold_start(startup: &Startup) -> impl Future<Output = Result<Self, ConfigError>> + Send;
}

/// An adapter that answers HTTP requests (an endpoint or a webhook): never fails, never panics.
pub trait HttpFunction: ColdStart {
    fn respond(&self, request: Request) -> impl Future<Output = Response<Body>> + Send;
}

/// Builds `F` the way every function starts.
pub async fn cold_start<F: ColdStart>() -> Result<Arc<F>, ConfigError> {
    let startup = Startup::from_env().await;
    super::telemetry::init(&startup.env);
    // Boxed: the futures that build a function's services nest deeply, and a function's `main`
    // would otherwise carry their whole layout (past the compiler's query depth for some).
    let function = Box::pin(F::cold_start(&startup)).await.inspect_err(|err| {
        tracing::error!(function = F::NAME, error = %err, "cold start failed");
    })?;
    startup.warm_up().await;
    Ok(Arc::new(function))
}

/// Runs an HTTP function: sequential on classic Lambda, concurrent when
/// `AWS_LAMBDA_MAX_CONCURRENCY` asks for it.
pub async fn serve_http<F: HttpFunction>() -> Result<(), lambda_http::Error> {
    let function = cold_start::<F>().await?;
    lambda_http::run_concurrent(service_fn(move |request| {
        let function = function.clone();
        // Boxed, as the cold start is: the handler's future nests deeply.
        async move { Ok::<_, Infallible>(Box::pin(function.respond(request)).await) }
    }))
    .await
}
