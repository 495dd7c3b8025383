//! The WeChat server API client: `jscode2session`. The app secret and `session_key` never
//! leave this module except as [`Secret`]s, and never reach a log line.

use std::time::Duration;

use serde::Deserialize;

use crate::config::{ConfigError, Secret, WeChatConfig, vars};
use crate::error::ApiError;

/// Longest wait for a TCP/TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for the whole exchange, the retry included.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause before retrying a "system busy" answer.
const BUSY_BACKOFF: Duration = Duration::from_millis(200);

/// WeChat's error codes that this client tells apart.
mod errcode {
    pub const BUSY: i64 = -1;
    pub const INVALID_CODE: i64 = 40029;
    pub const CODE_USED: i64 = 40163;
    pub const HIGH_RISK_USER: i64 = 40226;
    pub const RATE_LIMITED: i64 = 45011;
}

/// A `wx.login()` code: 1..=128 visible ASCII characters.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct LoginCode(String);

impl TryFrom<String> for LoginCode {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.is_empty() || value.len() > 128 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be the code from wx.login(): 1-128 visible ASCII characters");
        }
        Ok(Self(value))
    }
}

impl std::fmt::Debug for LoginCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginCode(***)")
    }
}

/// What `jscode2session` tells us about the user.
#[derive(Debug, Clone)]
pub struct WeChatSession {
    pub openid: String,
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
    config: std::sync::Arc<WeChatConfig>,
}

impl WeChatClient {
    pub fn new(config: WeChatConfig) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .build()
            .map_err(|e| ConfigError::Invalid {
                name: vars::WECHAT_API_BASE,
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            http,
            config: std::sync::Arc::new(config),
        })
    }

    /// Exchanges a login code for the user's identity. Retries once on "system busy" (-1);
    /// never retries a timeout, since WeChat may already have spent the code.
    #[tracing::instrument(skip_all)]
    pub async fn code_to_session(&self, code: &LoginCode) -> Result<WeChatSession, ApiError> {
        let exchange = async {
            match self.code_to_session_once(code).await? {
                Answer::Busy => {
                    tokio::time::sleep(BUSY_BACKOFF).await;
                    match self.code_to_session_once(code).await? {
                        Answer::Busy => Err(unavailable("jscode2session answered -1 (system busy) twice")),
                        Answer::Session(session) => Ok(session),
                    }
                }
                Answer::Session(session) => Ok(session),
            }
        };
        tokio::time::timeout(TOTAL_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(unavailable("jscode2session took longer than 5 s")))
    }

    async fn code_to_session_once(&self, code: &LoginCode) -> Result<Answer, ApiError> {
        let url = format!("{}/sns/jscode2session", self.config.api_base);
        let response = self
            .http
            .get(url)
            .query(&[
                ("appid", self.config.appid.as_str()),
                ("secret", self.config.secret.expose()),
                ("js_code", code.0.as_str()),
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
            0 => match (body.openid, body.session_key) {
                (Some(openid), Some(session_key)) if !openid.is_empty() => {
                    Ok(Answer::Session(WeChatSession {
                        openid,
                        unionid: body.unionid.filter(|u| !u.is_empty()),
                        session_key: Secret::new(session_key),
                    }))
                }
                _ => Err(unavailable(
                    "jscode2session answered success without openid or session_key",
                )),
            },
            errcode::BUSY => Ok(Answer::Busy),
            errcode::INVALID_CODE => Err(ApiError::WeChatCodeInvalid),
            errcode::CODE_USED => Err(ApiError::WeChatCodeUsed),
            errcode::HIGH_RISK_USER => Err(ApiError::WeChatUserBlocked),
            errcode::RATE_LIMITED => Err(ApiError::RateLimited),
            other => Err(ApiError::internal(
                "calling jscode2session",
                format!("WeChat answered errcode {other}: {}", body.errmsg),
            )),
        }
    }
}

enum Answer {
    Busy,
    Session(WeChatSession),
}

fn unavailable(source: impl Into<crate::error::BoxError>) -> ApiError {
    ApiError::WeChatUnavailable {
        context: "calling jscode2session".into(),
        source: source.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_code_debug_hides_the_code() {
        let code = LoginCode::try_from("abc123".to_owned()).unwrap();
        assert_eq!(format!("{code:?}"), "LoginCode(***)");
    }

    #[test]
    fn login_code_is_bounded() {
        assert!(LoginCode::try_from(String::new()).is_err());
        assert!(LoginCode::try_from("a b".to_owned()).is_err());
        assert!(LoginCode::try_from("x".repeat(129)).is_err());
        assert!(LoginCode::try_from("081Kq3Ga1VbXyz".to_owned()).is_ok());
    }

    #[test]
    fn success_body_without_errcode_parses_as_zero() {
        let body: Code2SessionBody = serde_json::from_str(r#"{"openid":"o1","session_key":"k"}"#).unwrap();
        assert_eq!(body.errcode, 0);
    }
}
