//! One [`crate::Endpoint`] per function: its route, who may call it, its input type, and a
//! handler that turns the input into domain types, calls one service function and returns its
//! result. No storage, no WeChat, no JSON building here.

pub mod auth;
pub mod catalog;
pub mod orders;
pub mod pay;
pub mod platform;
pub mod uploads;
pub mod users;
