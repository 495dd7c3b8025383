//! The outside world: the DynamoDB store, the S3 gateway, the CDN's URL signer, the WeChat
//! client, token signing, digests, random ids and the one retry helper. Each speaks its own error
//! type; nothing here knows HTTP.

pub mod access_token;
pub mod cdn;
pub mod crypto;
pub mod passwords;
pub mod retry;
pub mod s3;
pub mod storage;
pub mod store;
pub mod timing;
pub mod tokens;
pub mod totp;
pub mod wechat;
pub mod wechat_push;
pub mod wechatpay;

/// The HTTP client of an outside API (WeChat, WeChat Pay) at `base`: built once per process,
/// with a connect timeout and a whole-call timeout so a dead peer fails in seconds. It follows
/// no redirect (an API that answers one is refused, never followed with our signed request to
/// wherever it points), and speaks https only, unless `base` is a local fake on a loopback
/// address (development and tests), which the configuration allows explicitly.
pub(crate) fn http_client(
    base: &str,
    connect: std::time::Duration,
    total: std::time::Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(total)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!is_loopback_http(base))
        .build()
}

/// Whether `url` is plain http to a loopback host (`127.0.0.1`, `[::1]`, `localhost`, with or
/// without a port): a local fake, the only place an outside API may be reached without TLS.
pub fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    matches!(host, "127.0.0.1" | "::1" | "localhost")
}

/// A boxed cause kept for the log, never shown to the client.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    /// A server that answers every request with `answer`, and counts the connections it gets.
    async fn server(answer: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        });
        (url, hits)
    }

    #[tokio::test]
    async fn an_outside_api_that_redirects_is_not_followed() {
        let (elsewhere, hits) = server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()).await;
        let (api, _) = server(format!(
            "HTTP/1.1 302 Found\r\nlocation: {elsewhere}/steal\r\ncontent-length: 0\r\n\r\n"
        ))
        .await;
        let client = super::http_client(&api, Duration::from_secs(2), Duration::from_secs(5)).unwrap();

        let answer = client
            .get(format!("{api}/sns/jscode2session"))
            .send()
            .await
            .unwrap();

        assert_eq!(answer.status().as_u16(), 302, "answered as it is, not followed");
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "nothing went to the redirect's target"
        );
    }

    #[tokio::test]
    async fn an_outside_api_client_speaks_https_only_unless_its_base_is_a_local_fake() {
        let (plain, hits) = server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()).await;
        let real = super::http_client(
            "https://api.weixin.qq.com",
            Duration::from_secs(2),
            Duration::from_secs(5),
        )
        .unwrap();
        let fake = super::http_client(&plain, Duration::from_secs(2), Duration::from_secs(5)).unwrap();

        assert!(
            real.get(format!("{plain}/x")).send().await.is_err(),
            "no plain http to anyone"
        );
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(
            fake.get(format!("{plain}/x"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
}
