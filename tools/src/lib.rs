//! Developer and operator tools. `fake_wechat` is for local development and tests only.

pub mod fake_wechat;
