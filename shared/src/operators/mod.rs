//! The back office's operators: their accounts, sign-in with password and TOTP, console
//! sessions (checked by `runtime::staff` on every `/admin/` request) and the audit log.

pub mod accounts;
mod change_password;
mod errors;
mod get_me;
mod sign_in;
mod sign_out;

pub use change_password::*;
pub use get_me::*;
pub use sign_in::*;
pub use sign_out::*;
