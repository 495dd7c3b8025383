//! The common crate of every function, in layers (see `docs/architecture.md`):
//! - [`runtime`]: the Lambda adapters, start-up, configuration, telemetry, and the one place
//!   where errors become responses;
//! - [`api`]: one [`Endpoint`] per function: parse the input, call one service, return its result;
//! - [`services`]: the use cases, orchestrating domain rules and infrastructure;
//! - [`domain`]: types and rules, no I/O;
//! - [`infra`]: DynamoDB, S3, WeChat, tokens, digests, randomness, retries.
//!
//! Calls go down only: runtime -> api -> services -> domain and infra; infra -> domain.

pub mod api;
pub mod domain;
pub mod infra;
pub mod runtime;
pub mod services;

pub use runtime::error::{ApiError, BoxError};
pub use runtime::events::EventHandler;
pub use runtime::http::{Endpoint, serve};
