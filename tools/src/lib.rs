//! Developer and operator tools. `fake_wechat` is for local development and tests only.

pub mod admin;
pub mod dev_wechatpay;
pub mod fake_bills;
pub mod fake_wechat;
pub mod fake_wechatpay;
