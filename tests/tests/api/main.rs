//! Integration tests: every function's handler in-process, real SDK clients against the local
//! AWS emulator, the fake WeChat server over HTTP.

mod adapter;
mod after_sales;
mod back_office;
mod cancel_after_sales;
mod catalog;
mod console;
mod e2e;
mod events;
mod limits;
mod login;
mod orders;
mod payments;
mod platform;
mod reconciliation;
mod return_after_sales;
mod secrets;
mod sessions;
mod skus;
mod tokens;
mod uploads;
mod users;
mod wechat_token;
