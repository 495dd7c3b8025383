//! Orders and checkout: an order submitted once per idempotency key (never overselling, within
//! the hoarding caps, its remark checked), read, listed and cancelled by its owner; and the back
//! office's view of them (the orders of a day, one order's whole file).

pub mod checkout;
pub mod desk;
mod endpoints;
mod errors;
mod get_admin_order;
mod list_admin_orders;
mod list_refund_issues;
pub mod settings;

pub use endpoints::*;
pub use get_admin_order::*;
pub use list_admin_orders::*;
pub use list_refund_issues::*;
