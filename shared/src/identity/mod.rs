//! Identity and sessions: `wx.login()` codes exchanged for our session tokens, refresh with
//! rotation, logout, and the caller's own profile (nickname, avatar, phone number).

mod endpoints;
mod errors;
pub mod login;
pub mod profile;
pub mod sessions;
pub mod settings;

pub use endpoints::*;
