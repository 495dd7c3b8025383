//! Reconciliation: each Beijing day, WeChat Pay's trade and fund-flow bills are checked against
//! the money book (every payment and refund filed when it became final), differences are
//! reported (the bucket, a summary in the table, a metric an alarm watches), and a payment WeChat
//! Pay took for an order still awaiting it here is applied. The back office lists the reports.

pub mod desk;
mod endpoints;
mod errors;
mod get_reconciliation;
mod list_reconciliations;
pub mod reconciler;

pub use endpoints::*;
pub use get_reconciliation::*;
pub use list_reconciliations::*;
