//! Payments with WeChat Pay: paying (JSAPI prepay and `wx.requestPayment`'s parameters), the
//! payment and refund notifications, refunds, and the expiry sweep that closes what was never
//! paid and finds what was lost.

mod endpoints;
mod errors;
pub mod expiry;
pub mod notices;
pub mod pay;
pub mod refunds;
pub mod settings;

pub use endpoints::*;
