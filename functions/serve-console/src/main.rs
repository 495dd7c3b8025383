//! `serve-console`: GET /console and /console/{file}, the operators' console.

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The console's files under `/console`.
struct Console;

impl shared::runtime::assets::Assets for Console {
    const NAME: &'static str = "serve-console";
    const PREFIX: &'static str = "/console";
    const FILES: &'static [shared::runtime::assets::Asset] = FILES;
}

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::assets::serve::<Console>().await
}
