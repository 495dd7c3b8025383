//! The payments' settings: when an unpaid order's owner is reminded.

use std::time::Duration;

use crate::runtime::config::{ConfigError, Env};

/// The variables this area reads.
pub mod vars {
    /// How long before an unpaid order closes its owner is reminded (seconds; default 600).
    pub const EXPIRY_REMINDER_SECS: &str = "EXPIRY_REMINDER_SECS";
}

/// Their defaults.
pub mod defaults {
    pub const EXPIRY_REMINDER_SECS: u64 = 600;
}

/// How long before an unpaid order closes its owner is reminded.
pub fn expiry_reminder(env: &Env) -> Result<Duration, ConfigError> {
    env.seconds_or(
        vars::EXPIRY_REMINDER_SECS,
        defaults::EXPIRY_REMINDER_SECS,
        25 * 60,
    )
}
