//! Fulfilment: an operator ships a paid order, whole or in deliveries, and each is reported to
//! WeChat (`upload_shipping_info`, compulsory for mini-program shops) with carriers from WeChat's
//! own list; the buyer's receipt (WeChat's settlement push) completes it.

mod deliver_order;
mod endpoints;
mod errors;
mod list_carriers;
pub mod platform;
pub mod receipts;
pub mod settings;
pub mod shipping;

pub use deliver_order::*;
pub use endpoints::*;
pub use list_carriers::*;
