//! The catalog: products listed and read by anyone, and a product's share code (WeChat's
//! `getwxacodeunlimit`, generated once and kept in the bucket).

mod endpoints;
mod errors;
pub mod products;
pub mod settings;
pub mod share_codes;

pub use endpoints::*;
