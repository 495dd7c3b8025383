//! After-sales settings: how long after an order completes its buyer may still ask.

use std::time::Duration;

use crate::domain::after_sales::DEFAULT_WINDOW;
use crate::runtime::config::{ConfigError, Env};

/// The variables this area reads.
pub mod vars {
    /// Days after an order completes (its receipt) during which its buyer may ask (default 7).
    pub const AFTER_SALES_WINDOW_DAYS: &str = "AFTER_SALES_WINDOW_DAYS";
}

/// The after-sales window.
pub fn window(env: &Env) -> Result<Duration, ConfigError> {
    let default_days = DEFAULT_WINDOW.as_secs() / 86_400;
    let days: u64 = env.parse_or(vars::AFTER_SALES_WINDOW_DAYS, default_days)?;
    if !(1..=365).contains(&days) {
        return Err(ConfigError::Invalid {
            name: vars::AFTER_SALES_WINDOW_DAYS,
            reason: "must be between 1 and 365".into(),
        });
    }
    Ok(Duration::from_secs(days * 86_400))
}
