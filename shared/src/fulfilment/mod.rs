//! Fulfilment: an operator ships a paid order, and the shipment is reported to WeChat
//! (`upload_shipping_info`, compulsory for mini-program shops).

mod endpoints;
mod errors;
pub mod shipping;

pub use endpoints::*;
