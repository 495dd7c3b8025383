//! The use cases: login and sessions, the catalog, checkout, payments, shipping, profiles and files. Each service is built once
//! per process from the infrastructure it needs, orchestrates domain rules and infrastructure
//! calls, and answers its own error enum; none knows HTTP.

pub mod catalog;
pub mod checkout;
pub mod files;
pub mod limits;
pub mod login;
pub mod payment;
pub mod profile;
pub mod session;
pub mod shipping;
