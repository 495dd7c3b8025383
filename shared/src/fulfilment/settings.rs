//! Fulfilment's settings: where WeChat's order centre opens an order.

use crate::runtime::config::Env;

/// The variables this area reads.
pub mod vars {
    /// The page WeChat's order centre (and its shipping messages) opens for an order
    /// (`set_msg_jump_path`; WeChat appends `merchant_trade_no`, our order id). Empty: leave
    /// WeChat's own page. Set by the scheduled token refresher when it changes.
    pub const ORDER_JUMP_PATH: &str = "ORDER_JUMP_PATH";
}

/// The sample shop's order page.
pub const DEFAULT_ORDER_JUMP_PATH: &str = "pages/order/detail";

/// The order centre's jump path, `None` when it is left to WeChat.
pub fn order_jump_path(env: &Env) -> Option<String> {
    let path = env
        .get(vars::ORDER_JUMP_PATH)
        .unwrap_or(DEFAULT_ORDER_JUMP_PATH)
        .trim();
    (!path.is_empty()).then(|| path.trim_start_matches('/').to_owned())
}
