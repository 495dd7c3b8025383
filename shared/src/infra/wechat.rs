//! The WeChat server API client: `jscode2session`, `stable_token`, and the APIs that take an access
//! token (`upload_shipping_info`). The app secret, `session_key` and access tokens never leave this
//! module except as [`Secret`]s, and never reach a log line (a URL carrying one is stripped from
//! every error).

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
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .build()?;
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
        tokio::time::timeout(TOTAL_TIMEOUT, exchange)
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

/// An access token of the WeChat server API, as `stable_token` answered it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    /// How long it stays valid from when it was answered.
    pub expires_in: Duration,
}

/// What `upload_shipping_info` reports: an order paid with WeChat Pay, shipped by express.
#[derive(Debug, Clone)]
pub struct ShippingReport<'a> {
    pub transaction_id: &'a str,
    pub payer_openid: &'a str,
    /// The carrier's code in WeChat's list (`SF`, `ZTO`, `YTO`, ...).
    pub carrier: &'a str,
    pub tracking_no: &'a str,
    /// What was shipped (at most 120 characters).
    pub item_desc: &'a str,
    /// When, in WeChat's format (RFC 3339 in China time).
    pub upload_time: String,
}

/// The longest `item_desc` WeChat accepts, in characters.
pub const ITEM_DESC_MAX_CHARS: usize = 120;

const STABLE_TOKEN: &str = "stable_token";
const GET_USER_PHONE_NUMBER: &str = "getuserphonenumber";
const MSG_SEC_CHECK: &str = "msg_sec_check";

/// What WeChat's text check (`msg_sec_check` version 2) says of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextVerdict {
    Pass,
    /// `review` (doubtful) or `risky`, with WeChat's label (e.g. 20001 politics, 20006 crime).
    Refused {
        suggest: String,
        label: i64,
    },
}

/// Where a checked text is shown (`msg_sec_check`'s scene).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextScene {
    /// A profile (nickname).
    Profile = 1,
    /// A comment (an order remark).
    Comment = 2,
}
const UPLOAD_SHIPPING_INFO: &str = "upload_shipping_info";
const SUBSCRIBE_SEND: &str = "subscribe_send";
const GET_WXACODE_UNLIMIT: &str = "getwxacodeunlimit";
const MEDIA_CHECK_ASYNC: &str = "media_check_async";

/// Which version of the mini-program a subscribe message opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiniProgramState {
    Formal,
    Trial,
    Developer,
}

impl MiniProgramState {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "formal" => Some(Self::Formal),
            "trial" => Some(Self::Trial),
            "developer" => Some(Self::Developer),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Formal => "formal",
            Self::Trial => "trial",
            Self::Developer => "developer",
        }
    }
}

impl WeChatClient {
    /// The current access token from `POST /cgi-bin/stable_token` (never `/cgi-bin/token`):
    /// normal mode answers the token in force; `force_refresh` (limited by WeChat: rarely, and
    /// 30 s apart) issues a new one and invalidates the old.
    #[tracing::instrument(skip_all, fields(force_refresh))]
    pub async fn stable_token(&self, force_refresh: bool) -> Result<AccessToken, WeChatError> {
        let secret = self.secret(STABLE_TOKEN)?;
        let body = json!({
            "grant_type": "client_credential",
            "appid": self.config.appid,
            "secret": secret.expose(),
            "force_refresh": force_refresh,
        });
        let url = format!("{}/cgi-bin/stable_token", self.config.api_base);
        let answer = self.post(STABLE_TOKEN, url, &body).await?;
        match (answer["access_token"].as_str(), answer["expires_in"].as_u64()) {
            (Some(token), Some(expires_in)) if !token.is_empty() && expires_in > 0 => Ok(AccessToken {
                token: Secret::new(token),
                expires_in: Duration::from_secs(expires_in),
            }),
            _ => Err(unavailable_api(
                STABLE_TOKEN,
                "stable_token answered success without a token and its lifetime",
            )),
        }
    }

    /// Reports an order's shipping to WeChat (发货信息管理): express delivery, in one parcel, keyed
    /// by the WeChat Pay transaction.
    #[tracing::instrument(skip_all)]
    pub async fn upload_shipping_info(
        &self,
        access_token: &Secret,
        report: &ShippingReport<'_>,
    ) -> Result<(), WeChatError> {
        let item_desc: String = report.item_desc.chars().take(ITEM_DESC_MAX_CHARS).collect();
        let body = json!({
            "order_key": { "order_number_type": 2, "transaction_id": report.transaction_id },
            "logistics_type": 1,
            "delivery_mode": 1,
            "shipping_list": [{
                "tracking_no": report.tracking_no,
                "express_company": report.carrier,
                "item_desc": item_desc,
            }],
            "upload_time": report.upload_time,
            "payer": { "openid": report.payer_openid },
        });
        let url = format!(
            "{}/wxa/sec/order/upload_shipping_info?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        self.post(UPLOAD_SHIPPING_INFO, url, &body).await.map(drop)
    }

    /// The phone number behind a `getPhoneNumber` button's code (single use, 5 minutes). A code
    /// WeChat refuses (40029) or one already used (40163) is [`WeChatError::CodeInvalid`] /
    /// [`WeChatError::CodeUsed`].
    #[tracing::instrument(skip_all)]
    pub async fn user_phone_number(
        &self,
        access_token: &Secret,
        code: &PhoneCode,
    ) -> Result<PhoneNumber, WeChatError> {
        let url = format!(
            "{}/wxa/business/getuserphonenumber?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let answer = match self
            .post(GET_USER_PHONE_NUMBER, url, &json!({ "code": code.expose() }))
            .await
        {
            Err(WeChatError::Unexpected {
                errcode: errcode::INVALID_CODE,
                ..
            }) => return Err(WeChatError::CodeInvalid),
            Err(WeChatError::Unexpected {
                errcode: errcode::CODE_USED,
                ..
            }) => return Err(WeChatError::CodeUsed),
            other => other?,
        };
        let info = &answer["phone_info"];
        let number = info["purePhoneNumber"].as_str().unwrap_or_default();
        let country = info["countryCode"].as_str().unwrap_or_default();
        if info["watermark"]["appid"] != self.config.appid.as_str() {
            return Err(unavailable_api(
                GET_USER_PHONE_NUMBER,
                "getuserphonenumber answered a number watermarked for another app",
            ));
        }
        PhoneNumber::parse(number, country).ok_or_else(|| {
            unavailable_api(
                GET_USER_PHONE_NUMBER,
                "getuserphonenumber answered success without a phone number",
            )
        })
    }

    /// Asks WeChat whether `content`, written by `openid` and shown in `scene`, may be shown
    /// (`msg_sec_check` version 2; the user must have opened the mini-program in the last 2 hours).
    #[tracing::instrument(skip_all)]
    pub async fn msg_sec_check(
        &self,
        access_token: &Secret,
        openid: &Openid,
        scene: TextScene,
        content: &str,
    ) -> Result<TextVerdict, WeChatError> {
        let url = format!(
            "{}/wxa/msg_sec_check?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let body = json!({
            "version": 2,
            "openid": openid.as_str(),
            "scene": scene as i64,
            "content": content,
        });
        let answer = self.post(MSG_SEC_CHECK, url, &body).await?;
        match answer["result"]["suggest"].as_str() {
            Some("pass") => Ok(TextVerdict::Pass),
            Some(suggest @ ("review" | "risky")) => Ok(TextVerdict::Refused {
                suggest: suggest.to_owned(),
                label: answer["result"]["label"].as_i64().unwrap_or(0),
            }),
            _ => Err(unavailable_api(
                MSG_SEC_CHECK,
                "msg_sec_check answered success without a suggestion",
            )),
        }
    }

    /// Asks WeChat to check the image at `media_url` (public, https in production), uploaded by
    /// `openid` and shown in `scene` (`media_check_async` version 2). Answers the trace id; the
    /// verdict comes later as a `wxa_media_check` push event.
    #[tracing::instrument(skip_all)]
    pub async fn media_check_async(
        &self,
        access_token: &Secret,
        openid: &Openid,
        scene: TextScene,
        media_url: &str,
    ) -> Result<String, WeChatError> {
        let url = format!(
            "{}/wxa/media_check_async?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let body = json!({
            "media_url": media_url,
            "media_type": 2,
            "version": 2,
            "openid": openid.as_str(),
            "scene": scene as i64,
        });
        let answer = self.post(MEDIA_CHECK_ASYNC, url, &body).await?;
        answer["trace_id"]
            .as_str()
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .map(str::to_owned)
            .ok_or_else(|| {
                unavailable_api(
                    MEDIA_CHECK_ASYNC,
                    "media_check_async answered success without a trace id",
                )
            })
    }

    /// Sends one subscribe message to `openid` (`/cgi-bin/message/subscribe/send`). A user with no
    /// acceptance left for the template (43101) is [`WeChatError::NotSubscribed`].
    #[tracing::instrument(skip_all)]
    pub async fn subscribe_send(
        &self,
        access_token: &Secret,
        openid: &Openid,
        notice: &Notice,
        state: MiniProgramState,
    ) -> Result<(), WeChatError> {
        let url = format!(
            "{}/cgi-bin/message/subscribe/send?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let data: serde_json::Map<String, Value> = notice
            .data
            .iter()
            .map(|(field, value)| (field.clone(), json!({ "value": value })))
            .collect();
        let mut body = json!({
            "touser": openid.as_str(),
            "template_id": notice.template_id,
            "data": data,
            "miniprogram_state": state.as_str(),
            "lang": "zh_CN",
        });
        if let Some(page) = &notice.page {
            body["page"] = json!(page);
        }
        match self.post(SUBSCRIBE_SEND, url, &body).await {
            Err(WeChatError::Unexpected {
                errcode: errcode::NOT_SUBSCRIBED,
                ..
            }) => Err(WeChatError::NotSubscribed),
            other => other.map(drop),
        }
    }

    /// A mini-program code (`getwxacodeunlimit`) opening `page` with `scene`: the PNG's bytes.
    /// Unlimited in number; WeChat answers JSON instead of an image when it refuses.
    #[tracing::instrument(skip_all)]
    pub async fn wxacode_unlimit(
        &self,
        access_token: &Secret,
        code: &CodeRequest<'_>,
    ) -> Result<Vec<u8>, WeChatError> {
        let url = format!(
            "{}/wxa/getwxacodeunlimit?access_token={}",
            self.config.api_base,
            access_token.expose()
        );
        let body = json!({
            "scene": code.scene,
            "page": code.page,
            "check_path": false,
            "env_version": code.env_version,
            "width": code.width,
        });
        match self.exchange(GET_WXACODE_UNLIMIT, url, &body).await? {
            Reply::Image(bytes) if !bytes.is_empty() => Ok(bytes),
            _ => Err(unavailable_api(
                GET_WXACODE_UNLIMIT,
                "getwxacodeunlimit answered success without an image",
            )),
        }
    }

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
        tokio::time::timeout(TOTAL_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(unavailable_api(api, format!("{api} took longer than 5 s"))))
    }
}

/// What WeChat answered a POST with.
enum Reply {
    Json(Value),
    Image(Vec<u8>),
}

/// What a mini-program code opens.
#[derive(Debug, Clone)]
pub struct CodeRequest<'a> {
    /// What the page receives as `options.scene`: at most 32 visible characters.
    pub scene: &'a str,
    /// The page, without a leading `/` (`pages/product/detail`).
    pub page: &'a str,
    /// `release`, `trial` or `develop`.
    pub env_version: &'a str,
    /// The image's width in pixels (280 to 1280).
    pub width: u32,
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
