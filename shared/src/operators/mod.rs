//! The back office's operators: their accounts, sign-in with password and TOTP, console
//! sessions (checked by `runtime::staff` on every `/admin/` request) and the audit log.

pub mod accounts;
mod change_password;
mod create_operator;
mod delete_operator;
mod errors;
mod get_me;
mod list_audit;
mod list_operators;
mod sign_in;
mod sign_out;
mod update_operator;

pub use change_password::*;
pub use create_operator::*;
pub use delete_operator::*;
pub use get_me::*;
pub use list_audit::*;
pub use list_operators::*;
pub use sign_in::*;
pub use sign_out::*;
pub use update_operator::*;
