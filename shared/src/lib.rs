//! The common crate of every function: configuration, the request adapter, errors, storage,
//! the WeChat client, tokens and the domain logic. Function binaries only wire these together.

pub mod api;
pub mod auth;
pub mod catalog;
pub mod checkout;
pub mod config;
pub mod error;
pub mod events;
pub mod files;
pub mod http;
pub mod input;
pub mod orders;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod uploads;
pub mod users;
pub mod wechat;

pub use error::{ApiError, BoxError};
pub use http::{Endpoint, serve};
