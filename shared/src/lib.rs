//! The common crate of every function (see `docs/architecture.md`), in areas over layers:
//! - [`runtime`]: the framework: the HTTP, event and webhook adapters, start-up, configuration,
//!   authentication, limits, telemetry and metrics, and the response envelope. It knows no area.
//! - one module per part of the shop, each holding its endpoints, its use cases, its settings and
//!   how its errors read: [`identity`], [`catalog`], [`orders`], [`payments`], [`fulfilment`],
//!   [`files`], [`wechat`], [`reconciliation`];
//! - [`domain`]: types and rules, no I/O;
//! - [`infra`]: the adapters: DynamoDB, S3, WeChat, WeChat Pay, tokens, digests, randomness.
//!
//! Calls go down only: areas -> runtime, domain and infra; runtime -> domain and infra;
//! infra -> domain. No area imports another area's endpoints, and no file imports back.

pub mod after_sales;
pub mod catalog;
pub mod domain;
pub mod files;
pub mod fulfilment;
pub mod identity;
pub mod infra;
pub mod operators;
pub mod orders;
pub mod payments;
pub mod reconciliation;
pub mod runtime;
pub mod wechat;

pub use runtime::error::{ApiError, BoxError};
pub use runtime::events::EventHandler;
pub use runtime::http::{Endpoint, serve};
