//! Integration tests: every function's handler in-process, real SDK clients against the local
//! AWS emulator, the fake WeChat server over HTTP.

mod adapter;
mod e2e;
mod events;
mod login;
mod secrets;
mod tokens;
mod users;
