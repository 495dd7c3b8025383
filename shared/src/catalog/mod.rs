//! The catalog: products listed and read by anyone, and a product's share code (WeChat's
//! `getwxacodeunlimit`, generated once and kept in the bucket); and the back office's products
//! (created and edited whole, stock adjusted with a reason, every product listed).

mod adjust_stock;
pub mod desk;
mod endpoints;
mod errors;
mod image_upload_token;
pub mod images;
mod list_admin_products;
pub mod products;
mod save_product;
pub mod settings;
pub mod share_codes;

pub use adjust_stock::*;
pub use endpoints::*;
pub use image_upload_token::*;
pub use list_admin_products::*;
pub use save_product::*;
