//! After-sales: a buyer asks for some units of an order back, refunded at once when they never
//! left, otherwise decided by an operator; each refund is its own WeChat Pay refund, within what
//! was paid, applied once when WeChat Pay ends it.

mod approve_after_sales;
mod cancel_after_sales;
mod errors;
mod list_after_sales;
mod list_after_sales_queue;
mod receive_after_sales;
mod refund_order_part;
mod reject_after_sales;
mod request_after_sales;
pub mod requests;
mod return_after_sales;
pub mod settings;

pub use approve_after_sales::*;
pub use cancel_after_sales::*;
pub use list_after_sales::*;
pub use list_after_sales_queue::*;
pub use receive_after_sales::*;
pub use refund_order_part::*;
pub use reject_after_sales::*;
pub use request_after_sales::*;
pub use return_after_sales::*;
