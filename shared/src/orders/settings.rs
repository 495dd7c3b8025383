//! The orders' settings: the hoarding caps and what happens to a remark WeChat cannot check.

use crate::domain::orders::HoldingLimits;
use crate::runtime::config::{ConfigError, Env};
use crate::wechat::content_checks::Unchecked;
use crate::wechat::settings::unchecked_policy;

/// The variables this area reads.
pub mod vars {
    /// The most unpaid orders one user may hold.
    pub const MAX_PENDING_ORDERS: &str = "MAX_PENDING_ORDERS";
    /// The most units of one product one user may hold across unpaid orders.
    pub const MAX_PENDING_UNITS_PER_PRODUCT: &str = "MAX_PENDING_UNITS_PER_PRODUCT";
    /// What happens to an order remark WeChat's content check cannot judge: `accept` (flagged) or `refuse`.
    pub const REMARK_CHECK_FALLBACK: &str = "REMARK_CHECK_FALLBACK";
}

/// The hoarding caps: unpaid orders and units of one product a user may hold.
pub fn holding_limits(env: &Env) -> Result<HoldingLimits, ConfigError> {
    let default = HoldingLimits::default();
    let max_pending_orders: u32 = env.parse_or(vars::MAX_PENDING_ORDERS, default.max_pending_orders)?;
    let max_units_per_product: i64 =
        env.parse_or(vars::MAX_PENDING_UNITS_PER_PRODUCT, default.max_units_per_product)?;
    if !(1..=1000).contains(&max_pending_orders) {
        return Err(ConfigError::Invalid {
            name: vars::MAX_PENDING_ORDERS,
            reason: "must be between 1 and 1000".into(),
        });
    }
    if !(1..=1_000_000).contains(&max_units_per_product) {
        return Err(ConfigError::Invalid {
            name: vars::MAX_PENDING_UNITS_PER_PRODUCT,
            reason: "must be between 1 and 1000000".into(),
        });
    }
    Ok(HoldingLimits {
        max_pending_orders,
        max_units_per_product,
    })
}

/// The policy for order remarks WeChat's content check could not judge (default: accept and
/// flag, so an order is never lost to a WeChat outage).
pub fn unchecked_remark(env: &Env) -> Result<Unchecked, ConfigError> {
    unchecked_policy(env, vars::REMARK_CHECK_FALLBACK, Unchecked::Accept)
}
