//! The use cases: login and sessions, the catalog, checkout, payments, shipping, profiles, files
//! and the WeChat platform services (the shared access token, content checks, messages, codes). Each service is built once
//! per process from the infrastructure it needs, orchestrates domain rules and infrastructure
//! calls, and answers its own error enum; none knows HTTP.

pub mod catalog;
pub mod checkout;
pub mod files;
pub mod limits;
pub mod login;
pub mod moderation;
pub mod notices;
pub mod payment;
pub mod profile;
pub mod session;
pub mod share;
pub mod shipping;
pub mod wechat_token;
