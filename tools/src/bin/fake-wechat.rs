//! The fake WeChat server for local development and tests. Binds to loopback only.

use std::net::SocketAddr;

use tools::fake_wechat::{self, FakeWeChatConfig, PushConfig};

const DEFAULT_ADDR: &str = "127.0.0.1:9100";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::var("FAKE_WECHAT_ADDR")
        .unwrap_or_else(|_| DEFAULT_ADDR.to_owned())
        .parse()?;
    if !addr.ip().is_loopback() {
        return Err(format!("refusing to bind {addr}: the fake WeChat server is for loopback only").into());
    }
    let config = FakeWeChatConfig {
        appid: std::env::var("WECHAT_APPID").unwrap_or_else(|_| "wxdevappid0000000".to_owned()),
        secret: std::env::var("WECHAT_SECRET").unwrap_or_else(|_| "dev-wechat-app-secret".to_owned()),
        push: push_config()?,
        developer: std::env::var("FAKE_WECHAT_DEVELOPER")
            .ok()
            .filter(|name| !name.is_empty()),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "fake WeChat (development and tests only, NOT the real WeChat API) listening on http://{}",
        listener.local_addr()?
    );
    if let Some(developer) = &config.developer {
        println!("WeChat DevTools' real login and phone codes log in as the user {developer:?}");
    }
    match &config.push {
        None => println!("no WECHAT_PUSH_TOKEN: media-check verdicts are not pushed"),
        Some(push) => println!(
            "media-check verdicts are pushed ({}) to {}",
            if push.aes_key.is_some() {
                "safe mode"
            } else {
                "plaintext"
            },
            push.url
                .as_deref()
                .unwrap_or("nowhere (no FAKE_WECHAT_PUSH_URL): they are only queued")
        ),
    }
    fake_wechat::serve(listener, config).await;
    Ok(())
}

/// The message-push server, when `WECHAT_PUSH_TOKEN` is set: `FAKE_WECHAT_PUSH_URL` (where pushes
/// are POSTed) and `WECHAT_PUSH_AES_KEY` (the EncodingAESKey: safe mode) are optional.
fn push_config() -> Result<Option<PushConfig>, Box<dyn std::error::Error>> {
    let var = |name| std::env::var(name).ok().filter(|value| !value.is_empty());
    let Some(token) = var("WECHAT_PUSH_TOKEN") else {
        return Ok(None);
    };
    let aes_key = var("WECHAT_PUSH_AES_KEY");
    if let Some(key) = &aes_key {
        fake_wechat::decode_aes_key(key).map_err(|err| format!("WECHAT_PUSH_AES_KEY: {err}"))?;
    }
    Ok(Some(PushConfig {
        url: var("FAKE_WECHAT_PUSH_URL"),
        token,
        aes_key,
    }))
}
