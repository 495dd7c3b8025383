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

/// The HTTP client of an outside API (WeChat, WeChat Pay): built once per process, with a
/// connect timeout and a whole-call timeout so a dead peer fails in seconds.
pub(crate) fn http_client(
    connect: std::time::Duration,
    total: std::time::Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(total)
        .build()
}

/// A boxed cause kept for the log, never shown to the client.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
