//! The WeChat server API client: `jscode2session`, `stable_token`, and the APIs that take an access
//! token (`upload_shipping_info`). The app secret, `session_key` and access tokens never leave this
//! module except as [`Secret`]s, and never reach a log line (a URL carrying one is stripped from
//! every error).

mod server_apis;

pub use server_apis::*;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::BoxError;
use super::crypto::Secret;
use super::retry::Backoff;
use crate::domain::ids::Openid;
use crate::domain::notices::Notice;
use crate::domain::users::{LoginCode, PhoneCode, PhoneNumber};

/// Longest wait for a TCP/TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for the whole exchange, the retry included.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
/// "System busy" (-1) is tried once more, 200 ms later.
const BUSY: Backoff = Backoff {
    attempts: 2,
    base: Duration::from_millis(200),
    max: Duration::from_millis(200),
    jitter: false,
};

/// WeChat's error codes that this client tells apart.
mod errcode {
    pub const BUSY: i64 = -1;
    pub const INVALID_CODE: i64 = 40029;
    pub const CODE_USED: i64 = 40163;
    pub const HIGH_RISK_USER: i64 = 40226;
    pub const RATE_LIMITED: i64 = 45011;
    /// The access token is invalid, or not the latest.
    pub const INVALID_TOKEN: i64 = 40001;
    /// The access token is not valid any more.
    pub const TOKEN_EXPIRED: i64 = 42001;
    /// The access token is malformed.
    pub const MALFORMED_TOKEN: i64 = 40014;
    /// The user has no acceptance left for this subscribe message template.
    pub const NOT_SUBSCRIBED: i64 = 43101;
}

/// Settings of the WeChat API client.
#[derive(Debug, Clone)]
pub struct WeChatConfig {
    pub appid: String,
    /// The app secret: only the functions that log users in or refresh the shared access token
    /// hold it. Without it, `jscode2session` and `stable_token` answer [`WeChatError::NoSecret`].
    pub secret: Option<Secret>,
    /// `https://api.weixin.qq.com`, or a fake's address.
    pub api_base: String,
}

/// How a WeChat call failed.
#[derive(Debug, thiserror::Error)]
pub enum WeChatError {
    #[error("WeChat refused the login code (40029)")]
    CodeInvalid,
    #[error("the login code was already used (40163)")]
    CodeUsed,
    #[error("WeChat blocked the user for risk control (40226)")]
    UserBlocked,
    #[error("WeChat rate-limited us (45011)")]
    RateLimited,
    /// The access token was refused (40001, 40014, 42001): refresh it, then try once more.
    #[error("WeChat refused the access token (errcode {0})")]
    TokenRejected(i64),
    /// Down, slow, busy, or answering something that is not its contract: retry later.
    #[error("calling {api}")]
    Unavailable {
        api: &'static str,
        #[source]
        source: BoxError,
    },
    /// The user has no acceptance left for the subscribe message's template (43101).
    #[error("the user did not accept this subscribe message (43101)")]
    NotSubscribed,
    /// This function was deployed without the app secret, so it cannot call `api`.
    #[error("calling {0}: this function holds no app secret")]
    NoSecret(&'static str),
    /// An errcode this client has no meaning for.
    #[error("calling {api}: WeChat answered errcode {errcode}: {errmsg}")]
    Unexpected {
        api: &'static str,
        errcode: i64,
        errmsg: String,
    },
}

/// What `jscode2session` tells us about the user.
#[derive(Debug, Clone)]
pub struct WeChatSession {
    pub openid: Openid,
    pub unionid: Option<String>,
    /// Kept for the features that decrypt user data; never logged or answered.
    pub session_key: Secret,
}

#[derive(Deserialize)]
struct Code2SessionBody {
    /// A success body may omit `errcode`.
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    openid: Option<String>,
    session_key: Option<String>,
    unionid: Option<String>,
}

/// The client, built once per process.
#[derive(Clone)]
pub struct WeChatClient {
    http: reqwest::Client,
    config: Arc<WeChatConfig>,
}

const JSCODE2SESSION: &str = "jscode2session";

impl WeChatClient {
    pub fn new(config: WeChatConfig) -> Result<Self, reqwest::Error> {
        let http = crate::infra::http_client(&config.api_base, CONNECT_TIMEOUT, TOTAL_TIMEOUT)?;
        Ok(Self {
            http,
            config: Arc::new(config),
        })
    }

    /// Whether this client holds the app secret (it may log users in and refresh the access token).
    pub fn holds_secret(&self) -> bool {
        self.config.secret.is_some()
    }

    fn secret(&self, api: &'static str) -> Result<&Secret, WeChatError> {
        self.config.secret.as_ref().ok_or(WeChatError::NoSecret(api))
    }

    /// Exchanges a login code for the user's identity. Retries "system busy" (-1) once; never
    /// retries a timeout, since WeChat may already have spent the code.
    #[tracing::instrument(skip_all)]
    pub async fn code_to_session(&self, code: &LoginCode) -> Result<WeChatSession, WeChatError> {
        let exchange = async {
            let mut attempts = BUSY.start();
            loop {
                match self.code_to_session_once(code).await? {
                    Answer::Session(session) => return Ok(session),
                    Answer::Busy => attempts.wait().await.map_err(|exhausted| {
                        unavailable(format!("jscode2session answered -1 (system busy): {exhausted}"))
                    })?,
                }
            }
        };
        crate::infra::timing::timed(
            crate::infra::timing::Dependency::WeChat,
            tokio::time::timeout(TOTAL_TIMEOUT, exchange),
        )
        .await
        .unwrap_or_else(|_| Err(unavailable("jscode2session took longer than 5 s")))
    }

    async fn code_to_session_once(&self, code: &LoginCode) -> Result<Answer, WeChatError> {
        let secret = self.secret(JSCODE2SESSION)?;
        let url = format!("{}/sns/jscode2session", self.config.api_base);
        let response = self
            .http
            .get(url)
            .query(&[
                ("appid", self.config.appid.as_str()),
                ("secret", secret.expose()),
                ("js_code", code.expose()),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            // The URL carries the secret and the code: strip it from the error before it can be logged.
            .map_err(|e| unavailable(e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(unavailable(format!("jscode2session answered HTTP {status}")));
        }
        // WeChat labels JSON as text/plain at times: read text, parse whatever the content type.
        let text = response.text().await.map_err(|e| unavailable(e.without_url()))?;
        let body: Code2SessionBody = serde_json::from_str(&text).map_err(|e| {
            unavailable(format!(
                "jscode2session answered a body that is not the expected JSON: {e}"
            ))
        })?;
        match body.errcode {
            0 => {
                let openid = body.openid.as_deref().and_then(Openid::parse);
                match (openid, body.session_key) {
                    (Some(openid), Some(session_key)) => Ok(Answer::Session(WeChatSession {
                        openid,
                        unionid: body.unionid.filter(|u| !u.is_empty()),
                        session_key: Secret::new(session_key),
                    })),
                    _ => Err(unavailable(
                        "jscode2session answered success without a valid openid or session_key",
                    )),
                }
            }
            errcode::BUSY => Ok(Answer::Busy),
            errcode::INVALID_CODE => Err(WeChatError::CodeInvalid),
            errcode::CODE_USED => Err(WeChatError::CodeUsed),
            errcode::HIGH_RISK_USER => Err(WeChatError::UserBlocked),
            errcode::RATE_LIMITED => Err(WeChatError::RateLimited),
            errcode => Err(WeChatError::Unexpected {
                api: JSCODE2SESSION,
                errcode,
                errmsg: body.errmsg,
            }),
        }
    }
}

enum Answer {
    Busy,
    Session(WeChatSession),
}

fn unavailable(source: impl Into<BoxError>) -> WeChatError {
    unavailable_api(JSCODE2SESSION, source)
}

fn unavailable_api(api: &'static str, source: impl Into<BoxError>) -> WeChatError {
    WeChatError::Unavailable {
        api,
        source: source.into(),
    }
}

impl WeChatClient {
    /// POSTs JSON to `url` and reads WeChat's JSON answer (see [`Self::exchange`]).
    async fn post(&self, api: &'static str, url: String, body: &Value) -> Result<Value, WeChatError> {
        match self.exchange(api, url, body).await? {
            Reply::Json(answer) => Ok(answer),
            Reply::Image(_) => Err(unavailable_api(api, format!("{api} answered an image, not JSON"))),
        }
    }

    /// POSTs JSON to `url` and reads WeChat's answer: an image as it is; JSON with errcode 0 (or
    /// none) as the body; "system busy" (-1) is tried once more; a refused access token is
    /// [`WeChatError::TokenRejected`].
    async fn exchange(&self, api: &'static str, url: String, body: &Value) -> Result<Reply, WeChatError> {
        let exchange = async {
            let mut attempts = BUSY.start();
            loop {
                let response = self
                    .http
                    .post(&url)
                    .json(body)
                    .send()
                    .await
                    // The URL may carry an access token: strip it before the error can be logged.
                    .map_err(|e| unavailable_api(api, e.without_url()))?;
                let status = response.status();
                if !status.is_success() {
                    return Err(unavailable_api(api, format!("{api} answered HTTP {status}")));
                }
                let image = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("image/"));
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|e| unavailable_api(api, e.without_url()))?;
                if image {
                    return Ok(Reply::Image(bytes.to_vec()));
                }
                let answer: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    unavailable_api(api, format!("{api} answered a body that is not JSON: {e}"))
                })?;
                match answer["errcode"].as_i64().unwrap_or(0) {
                    0 => return Ok(Reply::Json(answer)),
                    errcode::BUSY => attempts.wait().await.map_err(|exhausted| {
                        unavailable_api(api, format!("{api} answered -1 (system busy): {exhausted}"))
                    })?,
                    code @ (errcode::INVALID_TOKEN | errcode::TOKEN_EXPIRED | errcode::MALFORMED_TOKEN) => {
                        return Err(WeChatError::TokenRejected(code));
                    }
                    errcode::RATE_LIMITED => return Err(WeChatError::RateLimited),
                    errcode => {
                        return Err(WeChatError::Unexpected {
                            api,
                            errcode,
                            errmsg: answer["errmsg"].as_str().unwrap_or_default().to_owned(),
                        });
                    }
                }
            }
        };
        crate::infra::timing::timed(
            crate::infra::timing::Dependency::WeChat,
            tokio::time::timeout(TOTAL_TIMEOUT, exchange),
        )
        .await
        .unwrap_or_else(|_| Err(unavailable_api(api, format!("{api} took longer than 5 s"))))
    }
}

/// What WeChat answered a POST with.
enum Reply {
    Json(Value),
    Image(Vec<u8>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_body_without_errcode_parses_as_zero() {
        let body: Code2SessionBody = serde_json::from_str(r#"{"openid":"o1","session_key":"k"}"#).unwrap();
        assert_eq!(body.errcode, 0);
    }
}
