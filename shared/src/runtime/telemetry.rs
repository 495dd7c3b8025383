//! Logging: one JSON object per line, level from `LOG_LEVEL` (default `info`).

use tracing_subscriber::EnvFilter;

use super::config::{Env, defaults, vars};

/// Installs the JSON subscriber and a panic hook that logs as JSON too. Safe to call twice.
pub fn init(env: &Env) {
    let filter = EnvFilter::try_new(env.string_or(vars::LOG_LEVEL, defaults::LOG_LEVEL))
        .unwrap_or_else(|_| EnvFilter::new(defaults::LOG_LEVEL));
    let installed = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok();
    if installed {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
            tracing::error!(location, "panic");
        }));
    }
}
