//! The Lambda side: the HTTP and event adapters, start-up, configuration, telemetry, and the one
//! place where an error becomes a status, a code and a response envelope.

pub mod assets;
pub mod auth;
pub mod config;
pub mod error;
pub mod events;
pub mod http;
pub mod iam;
pub mod input;
pub mod limits;
pub mod metrics;
pub mod serve;
pub mod staff;
pub mod startup;
pub mod telemetry;
pub mod webhook;
