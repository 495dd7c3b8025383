//! Logging: one JSON object per line, level from `LOG_LEVEL` (default `info`). Every line written
//! while a request or an event is handled carries its request id: the adapters open a `request`
//! span with it, and each line lists its spans (`"spans":[{"name":"request","request_id":...}]`). Libraries that log
//! requests, headers or bodies at debug and trace (the Lambda runtime, hyper, the AWS SDK, rustls)
//! are pinned at `info` whatever `LOG_LEVEL` says, so a token, a login code or a request body never
//! reaches a log line, even with `LOG_LEVEL=trace`.

use tracing_subscriber::EnvFilter;

use super::config::{Env, defaults, vars};

/// Crates whose debug and trace output may carry headers, events or bodies.
const PINNED: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "hyper",
    "hyper_util",
    "h2",
    "http_body_util",
    "reqwest",
    "rustls",
    "tower",
    "aws_config",
    "aws_credential_types",
    "aws_runtime",
    "aws_sigv4",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_sdk_dynamodb",
    "aws_sdk_s3",
    "aws_sdk_ssm",
    "jsonwebtoken",
];

/// The log filter: `LOG_LEVEL` (an invalid one falls back to `info`), then every pinned crate at
/// `info` at most (the pins come last, so they win over the same target in `LOG_LEVEL`).
pub fn filter(env: &Env) -> EnvFilter {
    let level = env.string_or(vars::LOG_LEVEL, defaults::LOG_LEVEL);
    let level = EnvFilter::try_new(&level).map_or_else(|_| defaults::LOG_LEVEL.to_owned(), |_| level);
    let pins: Vec<String> = PINNED
        .iter()
        .map(|krate| format!("{krate}={}", pinned_level(&level)))
        .collect();
    EnvFilter::new(format!("{level},{}", pins.join(",")))
}

/// `info`, or less when `LOG_LEVEL` asks for less everywhere (`warn`, `error`, `off`).
fn pinned_level(level: &str) -> &'static str {
    match level.trim() {
        "off" => "off",
        "error" => "error",
        "warn" => "warn",
        _ => "info",
    }
}

/// Installs the JSON subscriber and a panic hook that logs as JSON too. Safe to call twice.
pub fn init(env: &Env) {
    let installed = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(true)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter(env))
        .try_init()
        .is_ok();
    super::metrics::init(env);
    if installed {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
            tracing::error!(location, "panic");
        }));
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    /// Whether an event of `target` at `level` would be logged under `LOG_LEVEL=log_level`.
    fn logs(log_level: &str, target_is_hyper: bool, level: Level) -> bool {
        let subscriber =
            tracing_subscriber::registry().with(filter(&Env::default().with(vars::LOG_LEVEL, log_level)));
        tracing::subscriber::with_default(subscriber, || match (target_is_hyper, level) {
            (true, Level::TRACE) => tracing::enabled!(target: "hyper::proto", Level::TRACE),
            (true, Level::INFO) => tracing::enabled!(target: "hyper::proto", Level::INFO),
            (true, _) => tracing::enabled!(target: "hyper::proto", Level::WARN),
            (false, Level::TRACE) => tracing::enabled!(target: "shared::services", Level::TRACE),
            (false, _) => tracing::enabled!(target: "shared::services", Level::INFO),
        })
    }

    #[test]
    fn trace_everywhere_still_pins_the_libraries_at_info() {
        assert!(logs("trace", false, Level::TRACE), "our own trace lines are on");
        assert!(
            !logs("trace", true, Level::TRACE),
            "a library's trace lines stay off"
        );
        assert!(
            !logs("trace,hyper=trace", true, Level::TRACE),
            "even when asked for by name"
        );
        assert!(logs("trace", true, Level::INFO));
    }

    #[test]
    fn a_quieter_level_quiets_the_libraries_too_and_garbage_falls_back_to_info() {
        assert!(!logs("warn", true, Level::INFO));
        assert!(logs("warn", true, Level::WARN));
        assert!(logs("=[nonsense", false, Level::INFO));
        assert!(!logs("=[nonsense", false, Level::TRACE));
    }
}
