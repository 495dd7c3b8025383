//! The fake WeChat Pay server for local development (`make dev`). Binds to loopback only, unless
//! `FAKE_WECHATPAY_LAN=1` (`make dev LAN=1`, so that a phone on the network can "pay") lets it
//! listen on every interface.
//!
//! Reads the local merchant and platform identity from `FAKE_WECHATPAY_DIR` (`.dev/wechatpay`,
//! made on first use), listens on `FAKE_WECHATPAY_ADDR` (`127.0.0.1:9200`) and delivers
//! notifications to `FAKE_WECHATPAY_DELIVER_TO` (`http://127.0.0.1:9000`, the functions).

use std::net::SocketAddr;
use std::path::PathBuf;

use tools::fake_wechatpay::{self, FakePayConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let addr: SocketAddr = var("FAKE_WECHATPAY_ADDR", "127.0.0.1:9200").parse()?;
    let lan = std::env::var("FAKE_WECHATPAY_LAN").is_ok_and(|v| v == "1");
    let allowed = addr.ip().is_loopback() || (lan && addr.ip().is_unspecified());
    if !allowed {
        return Err(format!(
            "refusing to bind {addr}: the fake WeChat Pay server is for loopback only \
             (FAKE_WECHATPAY_LAN=1 allows 0.0.0.0, for a phone on the same network)"
        )
        .into());
    }
    if lan {
        eprintln!(
            "fake WeChat Pay: listening on every interface (FAKE_WECHATPAY_LAN=1): anyone on this network can pay its orders"
        );
    }
    let dir = PathBuf::from(var("FAKE_WECHATPAY_DIR", ".dev/wechatpay"));
    let dev = tools::dev_wechatpay::ensure(&dir)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let fake = fake_wechatpay::serve(
        listener,
        FakePayConfig {
            mchid: dev.ids.mchid.clone(),
            appid: var("WECHAT_APPID", "wxdevappid0000000"),
            merchant_public_der_base64: dev.merchant_public_der_base64.clone(),
            platform_private_pem: dev.platform_private_pem.clone(),
            platform_key_id: dev.ids.public_key_id.clone(),
            api_v3_key: dev.api_v3_key.clone(),
            clock: shared::domain::time::Clock::system(),
            certificate: Some((
                dev.ids.platform_serial_no.clone(),
                dev.platform_private_pem.clone(),
            )),
            deliver_to: Some(var("FAKE_WECHATPAY_DELIVER_TO", "http://127.0.0.1:9000")),
        },
    )?;
    println!(
        "fake WeChat Pay (development and tests only, NOT the real WeChat Pay API) listening on {}; \
         pay an order with: curl -X POST {}/dev/pay/<orderId>",
        fake.base_url, fake.base_url
    );
    std::future::pending::<()>().await;
    Ok(())
}
