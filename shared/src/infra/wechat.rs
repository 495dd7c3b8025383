//! The WeChat server API client: `jscode2session`. The app secret and `session_key` never
//! leave this module except as [`Secret`]s, and never reach a log line.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::BoxError;
use super::crypto::Secret;
use super::retry::Backoff;
use crate::domain::ids::Openid;
use crate::domain::users::LoginCode;

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
}

/// Settings of the WeChat API client.
#[derive(Debug, Clone)]
pub struct WeChatConfig {
    pub appid: String,
    pub secret: Secret,
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
    /// Down, slow, busy, or answering something that is not its contract: retry later.
    #[error("calling {api}")]
    Unavailable {
        api: &'static str,
        #[source]
        source: BoxError,
    },
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
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            config: Arc::new(config),
        })
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
        tokio::time::timeout(TOTAL_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(unavailable("jscode2session took longer than 5 s")))
    }

    async fn code_to_session_once(&self, code: &LoginCode) -> Result<Answer, WeChatError> {
        let url = format!("{}/sns/jscode2session", self.config.api_base);
        let response = self
            .http
            .get(url)
            .query(&[
                ("appid", self.config.appid.as_str()),
                ("secret", self.config.secret.expose()),
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
    WeChatError::Unavailable {
        api: JSCODE2SESSION,
        source: source.into(),
    }
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
