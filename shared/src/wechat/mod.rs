//! WeChat's platform services beyond login: the scheduled refresh of the shared access token,
//! content checks of texts, the message push (image check verdicts), and subscribe messages.

pub mod content_checks;
mod endpoints;
mod errors;
pub mod messages;
pub mod push;
pub mod settings;
pub mod token_refresher;

pub use endpoints::*;
