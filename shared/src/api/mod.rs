//! The functions' handlers: each turns its input into domain types, calls the domain, maps the result.

pub mod auth;
pub mod catalog;
pub mod orders;
pub mod uploads;
pub mod users;
