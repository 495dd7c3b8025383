//! Files: uploads straight to S3 (`wx.uploadFile` with a presigned POST) within each user's
//! quota, the check of every new upload (and WeChat's image check of what others will see), and
//! download URLs for the caller's own files.

mod endpoints;
mod errors;
pub mod media_checks;
pub mod objects;
pub mod settings;
pub mod uploads;

pub use endpoints::*;
