//! The fake WeChat server for local development and tests. Binds to loopback only.

use std::net::SocketAddr;

use tools::fake_wechat::{self, FakeWeChatConfig};

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
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "fake WeChat (development and tests only, NOT the real WeChat API) listening on http://{}",
        listener.local_addr()?
    );
    fake_wechat::serve(listener, config).await;
    Ok(())
}
