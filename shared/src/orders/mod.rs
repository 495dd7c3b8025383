//! Orders and checkout: an order submitted once per idempotency key (never overselling, within
//! the hoarding caps, its remark checked), read, listed and cancelled by its owner.

pub mod checkout;
mod endpoints;
mod errors;
pub mod settings;

pub use endpoints::*;
