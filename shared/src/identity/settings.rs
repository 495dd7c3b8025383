//! Identity's settings: what happens to a nickname WeChat cannot check.

use crate::runtime::config::{ConfigError, Env};
use crate::wechat::content_checks::Unchecked;
use crate::wechat::settings::unchecked_policy;

/// The variables this area reads.
pub mod vars {
    /// What happens to a nickname when WeChat's content check cannot be asked: `refuse` (the
    /// default: a 503, nothing written) or `accept` (written, logged as unchecked).
    pub const NICKNAME_CHECK_FALLBACK: &str = "NICKNAME_CHECK_FALLBACK";
}

/// The policy for nicknames WeChat's content check could not judge (default: refuse).
pub fn unchecked_nickname(env: &Env) -> Result<Unchecked, ConfigError> {
    unchecked_policy(env, vars::NICKNAME_CHECK_FALLBACK, Unchecked::Refuse)
}
