//! The outside world: the DynamoDB store, the S3 gateway, the CDN's URL signer, the WeChat
//! client, token signing, digests, random ids and the one retry helper. Each speaks its own error
//! type; nothing here knows HTTP.

pub mod access_token;
pub mod cdn;
pub mod crypto;
pub mod retry;
pub mod s3;
pub mod storage;
pub mod store;
pub mod tokens;
pub mod wechat;
pub mod wechat_push;
pub mod wechatpay;

/// A boxed cause kept for the log, never shown to the client.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
