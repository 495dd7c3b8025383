//! A local fake of the WeChat server API, speaking its real HTTP contract, so people and tests can
//! drive every path. Development and tests only: it binds to loopback.
//!
//! `GET /sns/jscode2session`: rules for a code `NAME` or `NAME.ANYTHING`:
//! - the same NAME always logs in the same openid; different NAMEs, different openids;
//! - every code works once; a reuse answers 40163;
//! - NAME starting `bad` answers 40029, `blocked` 40226, `limited` 45011, `busy` -1 every time,
//!   `flaky` -1 on the first call and success on the retry, `slow` answers after 10 s;
//! - NAME starting `union` also gets a unionid;
//! - with a developer configured (`FAKE_WECHAT_DEVELOPER`; `make dev`: `developer`), a code that
//!   follows no pattern (16 or more letters, digits, `-`, `_`, no `.`: WeChat DevTools' real
//!   `wx.login` codes) logs in as that developer, so they keep one openid across restarts.
//!
//! `POST /cgi-bin/stable_token`: answers the current access token (a new one when there is none
//! or `force_refresh` is true, which invalidates the old one), valid 7200 s, and counts the calls.
//! Every API below refuses any other token with 40001.
//!
//! `POST /wxa/business/getuserphonenumber`: a code `phone.NAME` (or `phone.NAME.ANYTHING`) answers
//! NAME's number, [`phone_for`]; each code works once (then 40163); with a developer configured,
//! DevTools' real codes answer the developer's number; any other code answers 40029.
//!
//! `POST /wxa/msg_sec_check`: version 2 only; content containing the word `forbidden` is `risky`
//! (label 20001), content containing `doubtful` is `review` (label 21000), anything else `pass`.
//!
//! `POST /wxa/media_check_async`: version 2, media_type 1 (audio) or 2 (image), a non-empty openid,
//! scene 1 to 4 and a media_url starting `http://` or `https://`, else 40097; answers a new
//! `trace_id` (`trace-1`, `trace-2`, ...) at once. Then, in the background, it downloads the media:
//! bytes containing `forbidden` are `risky` (label 20002), containing `doubtful` `review` (label
//! 21000), anything else `pass` (label 100); a failed download (or a non-2xx answer) is recorded
//! and pushes nothing. Every check and its verdict is kept ([`FakeWeChat::media_checks`]). With a
//! [`PushConfig`], the verdict becomes a `wxa_media_check` message-push event signed as WeChat signs
//! ([`PushConfig::make_push`]: plaintext, or safe mode when an EncodingAESKey is set), POSTed to
//! [`PushConfig::url`] when set, else queued for [`FakeWeChat::take_pushes`]. Without one, nothing
//! is pushed.
//!
//! `POST /cgi-bin/message/subscribe/send`: touser (else 40003) and template_id (else 40037) are
//! non-empty strings, data is an object whose every entry has a non-empty string `value` (else
//! 47003 naming the entry), page (any string) and miniprogram_state (developer, trial or formal)
//! are optional (else 47001). A send to an openid given to [`FakeWeChat::refuse_subscriptions`]
//! answers 43101; any other is accepted with a `msgid` (1, 2, ...) and recorded
//! ([`FakeWeChat::subscribe_sends`]).
//!
//! `POST /wxa/getwxacodeunlimit`: scene of 1 to 32 characters of `A-Z a-z 0-9 !#$&'()*+,/:;=?@-._~`,
//! env_version release, trial or develop, width 280 to 1280, check_path a boolean (each optional
//! but the scene, else 40097), page not starting with `/` (else 41030); answers a 1x1 PNG
//! (`image/png`) whose tEXt `Comment` is `scene=SCENE;page=PAGE`, always the same for the same
//! request; errors are JSON. Successes are counted ([`FakeWeChat::wxacode_calls`]).
//!
//! `POST /cgi-bin/express/delivery/open_msg/get_delivery_list`: [`DELIVERY_COMPANIES`], counted
//! ([`FakeWeChat::delivery_list_calls`]). `POST /wxa/sec/order/set_msg_jump_path`: a page path
//! (no leading slash, no query: WeChat appends one), recorded ([`FakeWeChat::jump_paths`]).
//!
//! `POST /wxa/sec/order/upload_shipping_info`: checks the order key, logistics type, shipping list
//! (1 to 15 parcels, `item_desc` of 1 to 120 characters; express parcels with a tracking number
//! and a carrier from [`DELIVERY_COMPANIES`], for SF Express the receiver's masked phone in
//! `contact.receiver_contact`, as WeChat requires), the delivery mode (1: one parcel, the order's
//! only report; 2: split, with `is_all_delivered`; nothing more once an order is all delivered),
//! upload time and payer, answers errcode 0 and records the report (see
//! [`FakeWeChat::shipments`]); a wrong report is 47001.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::cipher::{
    AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use shared::infra::crypto::{random_bytes, random_u64};
use tokio::net::TcpListener;

/// How long a `slow` code makes the caller wait.
pub const SLOW_DELAY: Duration = Duration::from_secs(10);

/// The `ToUserName` of every push: the fake mini-program's original id.
pub const PUSH_TO_USER: &str = "gh_fakewechat0";

/// How long the fake waits for a media download or a push delivery.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The credentials the fake accepts, and where it pushes.
#[derive(Debug, Clone, Default)]
pub struct FakeWeChatConfig {
    pub appid: String,
    pub secret: String,
    /// The message-push server of the mini-program; `None`: nothing is pushed.
    pub push: Option<PushConfig>,
    /// The user WeChat DevTools' real codes log in as (`make dev`: `developer`): a login code
    /// or phone code that follows none of the fake's patterns (no `.`, like the 32-character
    /// codes of `wx.login`) is this user's, so one developer keeps one openid across restarts.
    /// `None`: such a code is its own user, as before.
    pub developer: Option<String>,
}

/// Whether `code` follows none of the fake's patterns: a real client's code (letters, digits,
/// `-` and `_`, at least 16 of them, no `.`).
fn is_real_client_code(code: &str) -> bool {
    code.len() >= 16
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The mini-program's message-push settings, as configured in the WeChat console.
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    /// Where pushes are POSTed (`http://127.0.0.1:9000/wechat/push`); `None`: they are queued for
    /// [`FakeWeChat::take_pushes`] instead.
    pub url: Option<String>,
    /// The Token that signs every push.
    pub token: String,
    /// The EncodingAESKey (43 characters): set, pushes are encrypted (safe mode).
    pub aes_key: Option<String>,
}

/// A message push as WeChat sends it: `POST {url}?{query}` with `body` (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    /// `signature=..&timestamp=..&nonce=..&openid=..`, then in safe mode
    /// `&encrypt_type=aes&msg_signature=..`.
    pub query: String,
    pub body: String,
}

impl Push {
    /// The URL the push is sent to when the server is at `base`.
    pub fn url(&self, base: &str) -> String {
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}{}", self.query)
    }
}

#[derive(Default)]
struct State {
    used: HashSet<String>,
    calls: HashMap<String, u32>,
    /// The access token that works now, if one was issued.
    access_token: Option<String>,
    /// Access tokens issued so far.
    tokens_issued: u32,
    /// Calls of stable_token.
    stable_token_calls: u32,
    /// Shipping reports accepted, in order.
    shipments: Vec<Value>,
    /// How often the delivery company list was asked for.
    delivery_list_calls: u32,
    /// The paths set with `set_msg_jump_path`, in order.
    jump_paths: Vec<String>,
    /// Media checks asked, in order, each with its verdict once known.
    media_checks: Vec<Value>,
    /// Pushes made and not yet taken.
    pushes: Vec<Push>,
    /// Subscribe messages accepted, in order.
    subscribe_sends: Vec<Value>,
    /// Openids that refuse every subscribe message.
    refusing: HashSet<String>,
    /// Mini-program codes made.
    wxacode_calls: u32,
}

/// A running fake: its address and what it saw.
#[derive(Clone)]
pub struct FakeWeChat {
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

impl FakeWeChat {
    /// How many times `stable_token` was called.
    pub fn stable_token_calls(&self) -> u32 {
        lock(&self.state).stable_token_calls
    }

    /// Invalidates the current access token, as WeChat does when another party force-refreshes it:
    /// the next API call with it answers 40001.
    pub fn revoke_access_token(&self) {
        lock(&self.state).access_token = None;
    }

    /// The shipping reports accepted so far (their request bodies).
    pub fn shipments(&self) -> Vec<Value> {
        lock(&self.state).shipments.clone()
    }

    /// How often `get_delivery_list` was answered.
    pub fn delivery_list_calls(&self) -> u32 {
        lock(&self.state).delivery_list_calls
    }

    /// The paths set with `set_msg_jump_path`, in order.
    pub fn jump_paths(&self) -> Vec<String> {
        lock(&self.state).jump_paths.clone()
    }

    /// The media checks accepted so far, in order: `{"trace_id", "request": <its body>}`, plus
    /// `"result": {"suggest", "label"}` once the media is judged, or `"error"` when it could not
    /// be downloaded.
    pub fn media_checks(&self) -> Vec<Value> {
        lock(&self.state).media_checks.clone()
    }

    /// The pushes queued so far (none when they are POSTed to [`PushConfig::url`]), emptying the
    /// queue.
    pub fn take_pushes(&self) -> Vec<Push> {
        std::mem::take(&mut lock(&self.state).pushes)
    }

    /// Waits until at least `n` pushes are queued or `timeout` passed, then takes them all
    /// (fewer than `n` on a timeout).
    pub async fn wait_for_pushes(&self, n: usize, timeout: Duration) -> Vec<Push> {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.queued_pushes() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.take_pushes()
    }

    fn queued_pushes(&self) -> usize {
        lock(&self.state).pushes.len()
    }

    /// Makes every later subscribe message to `openid` answer 43101, as when the user declined.
    pub fn refuse_subscriptions(&self, openid: &str) {
        lock(&self.state).refusing.insert(openid.to_owned());
    }

    /// The subscribe messages accepted so far (their request bodies), in order.
    pub fn subscribe_sends(&self) -> Vec<Value> {
        lock(&self.state).subscribe_sends.clone()
    }

    /// How many mini-program codes `getwxacodeunlimit` made.
    pub fn wxacode_calls(&self) -> u32 {
        lock(&self.state).wxacode_calls
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The openid the fake gives to every code of `name` (28 characters, like real ones).
pub fn openid_for(name: &str) -> String {
    format!(
        "o{}",
        &URL_SAFE_NO_PAD.encode(sha256(&format!("openid:{name}")))[..27]
    )
}

/// The unionid the fake gives to `union*` names.
pub fn unionid_for(name: &str) -> String {
    format!(
        "u{}",
        &URL_SAFE_NO_PAD.encode(sha256(&format!("unionid:{name}")))[..27]
    )
}

/// The session_key the fake answers for `code`: 16 bytes, base64, as WeChat's.
pub fn session_key_for(code: &str) -> String {
    STANDARD.encode(&sha256(&format!("session_key:{code}"))[..16])
}

fn sha256(text: &str) -> [u8; 32] {
    shared::infra::crypto::sha256(text.as_bytes())
}

/// What every connection of a running fake shares.
#[derive(Clone)]
struct Server {
    config: Arc<FakeWeChatConfig>,
    state: Arc<Mutex<State>>,
    /// Downloads media and delivers pushes.
    http: reqwest::Client,
}

/// Serves the fake on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, config: FakeWeChatConfig) {
    serve_state(listener, config, Arc::default()).await
}

async fn serve_state(listener: TcpListener, config: FakeWeChatConfig, state: Arc<Mutex<State>>) {
    let server = Server {
        config: Arc::new(config),
        state,
        http: reqwest::Client::new(),
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let server = server.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, server.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Binds to a free loopback port and serves in the background.
pub async fn spawn(config: FakeWeChatConfig) -> std::io::Result<FakeWeChat> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let state: Arc<Mutex<State>> = Arc::default();
    tokio::spawn(serve_state(listener, config, state.clone()));
    Ok(FakeWeChat {
        base_url: format!("http://{addr}"),
        state,
    })
}

/// What an API answers: JSON (every error is), or an image.
enum Answer {
    Json(Value),
    Png(Vec<u8>),
}

impl From<Value> for Answer {
    fn from(value: Value) -> Self {
        Answer::Json(value)
    }
}

async fn handle(request: Request<Incoming>, server: Server) -> Result<Response<Full<Bytes>>, Infallible> {
    let query: HashMap<String, String> = request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let path = request.uri().path().to_owned();
    let body: Value = match request.into_body().collect().await {
        Ok(body) => serde_json::from_slice(&body.to_bytes()).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let (config, state) = (&*server.config, &*server.state);
    let answer = match path.as_str() {
        "/sns/jscode2session" => Answer::Json(code_to_session(&query, config, state).await),
        "/cgi-bin/stable_token" => Answer::Json(stable_token(&body, config, state)),
        "/wxa/sec/order/upload_shipping_info" => Answer::Json(with_token(&query, state, |state| {
            upload_shipping_info(body, state)
        })),
        "/cgi-bin/express/delivery/open_msg/get_delivery_list" => {
            Answer::Json(with_token(&query, state, delivery_list))
        }
        "/wxa/sec/order/set_msg_jump_path" => {
            Answer::Json(with_token(&query, state, |state| set_msg_jump_path(&body, state)))
        }
        "/wxa/msg_sec_check" => Answer::Json(with_token(&query, state, |_| msg_sec_check(&body))),
        "/wxa/business/getuserphonenumber" => Answer::Json(with_token(&query, state, |state| {
            user_phone_number(&body, config, state)
        })),
        "/wxa/media_check_async" => Answer::Json(with_token(&query, state, |state| {
            media_check_async(body, state, &server)
        })),
        "/cgi-bin/message/subscribe/send" => {
            Answer::Json(with_token(&query, state, |state| subscribe_send(body, state)))
        }
        "/wxa/getwxacodeunlimit" => with_token(&query, state, |state| wxacode_unlimit(&body, state)),
        _ => Answer::Json(error(40066, "invalid url")),
    };
    let (bytes, content_type) = match answer {
        // WeChat labels JSON as text/plain at times; so does the fake, to keep clients honest.
        Answer::Json(value) => (value.to_string().into_bytes(), "text/plain"),
        Answer::Png(image) => (image, "image/png"),
    };
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static(content_type),
    );
    Ok(response)
}

async fn code_to_session(
    query: &HashMap<String, String>,
    config: &FakeWeChatConfig,
    state: &Mutex<State>,
) -> Value {
    if query.get("appid") != Some(&config.appid) {
        error(40013, "invalid appid")
    } else if query.get("secret") != Some(&config.secret) {
        error(40125, "invalid appsecret")
    } else if query.get("grant_type").map(String::as_str) != Some("authorization_code") {
        error(40002, "invalid grant_type")
    } else {
        match query.get("js_code").filter(|c| !c.is_empty()) {
            None => error(41008, "missing code"),
            Some(code) => {
                let developer = config.developer.as_deref().filter(|_| is_real_client_code(code));
                answer(code, developer, state).await
            }
        }
    }
}

/// How long an access token of the fake lives, as WeChat's.
pub const ACCESS_TOKEN_TTL_SECS: u64 = 7200;

fn stable_token(body: &Value, config: &FakeWeChatConfig, state: &Mutex<State>) -> Value {
    let mut state = lock(state);
    state.stable_token_calls += 1;
    if body["grant_type"] != "client_credential" {
        return error(40002, "invalid grant_type");
    }
    if body["appid"] != config.appid.as_str() {
        return error(40013, "invalid appid");
    }
    if body["secret"] != config.secret.as_str() {
        return error(40125, "invalid appsecret");
    }
    let force = body["force_refresh"].as_bool().unwrap_or(false);
    let token = match state.access_token.clone() {
        Some(token) if !force => token,
        _ => {
            state.tokens_issued += 1;
            let token = format!(
                "fake-access-token-{}-{}",
                state.tokens_issued,
                shared::infra::crypto::random_id(12)
            );
            state.access_token = Some(token.clone());
            token
        }
    };
    json!({ "access_token": token, "expires_in": ACCESS_TOKEN_TTL_SECS })
}

/// Runs `api` when the query's access token is the current one; 40001 otherwise.
fn with_token<T: From<Value>>(
    query: &HashMap<String, String>,
    state: &Mutex<State>,
    api: impl FnOnce(&mut State) -> T,
) -> T {
    let mut state = lock(state);
    match (query.get("access_token"), &state.access_token) {
        (Some(given), Some(current)) if given == current => api(&mut state),
        _ => error(40001, "invalid credential, access_token is invalid or not latest").into(),
    }
}

/// The carriers of the fake's delivery company list (`get_delivery_list`): WeChat's codes.
pub const DELIVERY_COMPANIES: &[(&str, &str)] = &[
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("STO", "申通快递"),
    ("YD", "韵达快递"),
    ("JD", "京东物流"),
    ("EMS", "EMS"),
    ("JTSD", "极兔速递"),
    ("DBL", "德邦快递"),
];

fn delivery_list(state: &mut State) -> Value {
    state.delivery_list_calls += 1;
    let list: Vec<Value> = DELIVERY_COMPANIES
        .iter()
        .map(|(id, name)| json!({ "delivery_id": id, "delivery_name": name }))
        .collect();
    json!({ "errcode": 0, "errmsg": "ok", "delivery_list": list, "count": list.len() })
}

/// A page of the mini-program: no leading slash, no query of its own (WeChat appends one).
fn set_msg_jump_path(body: &Value, state: &mut State) -> Value {
    let Some(path) = body["path"].as_str() else {
        return error(47001, "data format error: path is required");
    };
    let page = !path.is_empty()
        && path.len() <= 256
        && !path.starts_with('/')
        && !path.contains('?')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-.".contains(&b));
    if !page {
        return error(
            47001,
            "data format error: path must be a page such as pages/order/detail",
        );
    }
    state.jump_paths.push(path.to_owned());
    json!({ "errcode": 0, "errmsg": "ok" })
}

fn upload_shipping_info(body: Value, state: &mut State) -> Value {
    let key = &body["order_key"];
    let key_ok = match key["order_number_type"].as_i64() {
        Some(1) => non_empty(&key["mchid"]) && non_empty(&key["out_trade_no"]),
        Some(2) => non_empty(&key["transaction_id"]),
        _ => false,
    };
    let logistics_type = body["logistics_type"].as_i64().unwrap_or(0);
    let list = body["shipping_list"].as_array().cloned().unwrap_or_default();
    let list_ok = !list.is_empty()
        && list.len() <= 15
        && list.iter().all(|item| {
            let described = item["item_desc"]
                .as_str()
                .is_some_and(|d| !d.is_empty() && d.chars().count() <= 120);
            let tracked = logistics_type != 1
                || (non_empty(&item["tracking_no"]) && non_empty(&item["express_company"]));
            described && tracked
        });
    let unknown_carrier = list.iter().find_map(|item| {
        let code = item["express_company"].as_str()?;
        (!DELIVERY_COMPANIES.iter().any(|(known, _)| *known == code)).then(|| code.to_owned())
    });
    if let Some(code) = unknown_carrier {
        return error(
            47001,
            &format!("data format error: express_company {code} is not in the delivery company list"),
        );
    }
    let transaction = key["transaction_id"]
        .as_str()
        .or(key["out_trade_no"].as_str())
        .unwrap_or_default()
        .to_owned();
    let earlier: Vec<&Value> = state
        .shipments
        .iter()
        .filter(|report| {
            let k = &report["order_key"];
            k["transaction_id"].as_str().or(k["out_trade_no"].as_str()) == Some(transaction.as_str())
        })
        .collect();
    let finished = earlier
        .iter()
        .any(|report| report["delivery_mode"] == 1 || report["is_all_delivered"] == true);
    if finished {
        return error(
            47001,
            "data format error: this order was already reported all delivered",
        );
    }
    let mode_ok = match body["delivery_mode"].as_i64() {
        Some(1) => earlier.is_empty() && list.len() == 1 && body.get("is_all_delivered").is_none(),
        Some(2) => body["is_all_delivered"].is_boolean(),
        _ => false,
    };
    // SF Express (顺丰): WeChat requires the receiver's phone, masked but for its last four digits.
    let contact_missing = list.iter().any(|item| {
        item["express_company"] == "SF"
            && !item["contact"]["receiver_contact"]
                .as_str()
                .is_some_and(is_masked_phone)
    });
    if contact_missing {
        return error(
            47001,
            "data format error: contact.receiver_contact is required for SF, masked (138****8000)",
        );
    }
    let valid = key_ok
        && (1..=4).contains(&logistics_type)
        && mode_ok
        && list_ok
        && body["upload_time"].as_str().is_some_and(is_rfc3339)
        && non_empty(&body["payer"]["openid"]);
    if !valid {
        return error(47001, "data format error");
    }
    state.shipments.push(body);
    json!({ "errcode": 0, "errmsg": "ok" })
}

/// A phone number masked as WeChat asks for `receiver_contact`: digits, some hidden by `*`,
/// the last four shown.
fn is_masked_phone(text: &str) -> bool {
    let (head, tail) = text.split_at(text.len().saturating_sub(4));
    tail.len() == 4
        && tail.bytes().all(|b| b.is_ascii_digit())
        && head.contains('*')
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'-')
}

/// The mainland number the fake gives to `phone.NAME` codes: 11 digits starting 13, from NAME.
pub fn phone_for(name: &str) -> String {
    let digest = sha256(&format!("phone:{name}"));
    let digits: String = digest.iter().take(9).map(|b| char::from(b'0' + b % 10)).collect();
    format!("13{digits}")
}

fn user_phone_number(body: &Value, config: &FakeWeChatConfig, state: &mut State) -> Value {
    let code = body["code"].as_str().unwrap_or_default();
    let developer = config.developer.as_deref().filter(|_| is_real_client_code(code));
    let Some(name) = code
        .strip_prefix("phone.")
        .map(|rest| rest.split_once('.').map_or(rest, |(name, _)| name))
        .filter(|name| !name.is_empty())
        .or(developer)
    else {
        return error(40029, "invalid code");
    };
    if !state.used.insert(format!("phone:{code}")) {
        return error(40163, "code been used");
    }
    let number = phone_for(name);
    json!({
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": number,
            "purePhoneNumber": number,
            "countryCode": "86",
            "watermark": { "timestamp": 1_795_000_000, "appid": config.appid }
        }
    })
}

fn msg_sec_check(body: &Value) -> Value {
    let content = body["content"].as_str().unwrap_or_default();
    let scene_ok = body["scene"].as_i64().is_some_and(|s| (1..=4).contains(&s));
    if body["version"] != 2 || !scene_ok || !non_empty(&body["openid"]) || content.chars().count() > 2500 {
        return error(40003, "invalid openid or parameters");
    }
    let (suggest, label) = if content.contains("forbidden") {
        ("risky", 20001)
    } else if content.contains("doubtful") {
        ("review", 21000)
    } else {
        ("pass", 100)
    };
    json!({
        "errcode": 0, "errmsg": "ok", "trace_id": "fake-trace",
        "result": { "suggest": suggest, "label": label },
        "detail": [{ "strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label }]
    })
}

fn non_empty(value: &Value) -> bool {
    value.as_str().is_some_and(|s| !s.is_empty())
}

/// `2026-11-25T10:00:00.000+08:00`: a date, a `T`, a time and an offset.
fn is_rfc3339(text: &str) -> bool {
    shared::domain::time::Timestamp::parse(text).is_some()
}

async fn answer(code: &str, developer: Option<&str>, state: &Mutex<State>) -> Value {
    let name = developer.unwrap_or_else(|| code.split_once('.').map_or(code, |(name, _)| name));
    if name.starts_with("bad") {
        return error(40029, "invalid code");
    }
    if name.starts_with("blocked") {
        return error(40226, "high risk user");
    }
    if name.starts_with("limited") {
        return error(45011, "api minute-quota reach limit");
    }
    if name.starts_with("busy") {
        return error(-1, "system error");
    }
    if name.starts_with("slow") {
        tokio::time::sleep(SLOW_DELAY).await;
    }
    {
        let mut state = lock(state);
        let calls = state.calls.entry(code.to_owned()).or_default();
        *calls += 1;
        if name.starts_with("flaky") && *calls == 1 {
            return error(-1, "system error");
        }
        if !state.used.insert(code.to_owned()) {
            return error(40163, "code been used");
        }
    }
    let mut body = json!({ "openid": openid_for(name), "session_key": session_key_for(code) });
    if name.starts_with("union") {
        body["unionid"] = json!(unionid_for(name));
    }
    body
}

fn error(errcode: i64, errmsg: &str) -> Value {
    json!({ "errcode": errcode, "errmsg": format!("{errmsg}, rid: fake") })
}

/// What a media check needs once it is accepted.
struct MediaCheck {
    trace_id: String,
    media_url: String,
    openid: String,
}

fn media_check_async(body: Value, state: &mut State, server: &Server) -> Value {
    let media_url = body["media_url"].as_str().unwrap_or_default();
    let valid = body["version"] == 2
        && matches!(body["media_type"].as_i64(), Some(1 | 2))
        && non_empty(&body["openid"])
        && body["scene"].as_i64().is_some_and(|s| (1..=4).contains(&s))
        && (media_url.starts_with("http://") || media_url.starts_with("https://"));
    if !valid {
        return error(40097, "invalid args");
    }
    let check = MediaCheck {
        trace_id: format!("trace-{}", state.media_checks.len() + 1),
        media_url: media_url.to_owned(),
        openid: body["openid"].as_str().unwrap_or_default().to_owned(),
    };
    let answer = json!({ "errcode": 0, "errmsg": "ok", "trace_id": check.trace_id });
    state
        .media_checks
        .push(json!({ "trace_id": check.trace_id, "request": body }));
    tokio::spawn(server.clone().judge_media(check));
    answer
}

/// The verdict on media (or text) `bytes`: (suggest, label).
fn media_verdict(bytes: &[u8]) -> (&'static str, i64) {
    let has = |word: &[u8]| bytes.windows(word.len()).any(|window| window == word);
    if has(b"forbidden") {
        ("risky", 20002)
    } else if has(b"doubtful") {
        ("review", 21000)
    } else {
        ("pass", 100)
    }
}

impl Server {
    /// Downloads the media, records the verdict and pushes it (when there is a push server).
    async fn judge_media(self, check: MediaCheck) {
        let (suggest, label) = match self.download(&check.media_url).await {
            Ok(bytes) => media_verdict(&bytes),
            Err(err) => {
                self.record_media_check(&check.trace_id, "error", json!(format!("download failed: {err}")));
                return;
            }
        };
        let result = json!({ "suggest": suggest, "label": label });
        self.record_media_check(&check.trace_id, "result", result.clone());
        let Some(push_config) = &self.config.push else {
            return;
        };
        let event = json!({
            "ToUserName": PUSH_TO_USER,
            "FromUserName": check.openid,
            "CreateTime": unix_now(),
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": self.config.appid,
            "trace_id": check.trace_id,
            "version": 2,
            "detail": [{
                "strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90
            }],
            "errcode": 0,
            "errmsg": "ok",
            "result": result,
        });
        let push = match push_config.make_push(&self.config.appid, &check.openid, &event.to_string()) {
            Ok(push) => push,
            Err(err) => {
                eprintln!(
                    "fake WeChat: cannot push the verdict of {}: {err}",
                    check.trace_id
                );
                return;
            }
        };
        match &push_config.url {
            Some(url) => self.deliver(url, &push).await,
            None => lock(&self.state).pushes.push(push),
        }
    }

    async fn download(&self, url: &str) -> Result<Bytes, reqwest::Error> {
        let response = self.http.get(url).timeout(HTTP_TIMEOUT).send().await?;
        response.error_for_status()?.bytes().await
    }

    fn record_media_check(&self, trace_id: &str, field: &str, value: Value) {
        let mut state = lock(&self.state);
        if let Some(check) = state
            .media_checks
            .iter_mut()
            .find(|check| check["trace_id"] == trace_id)
        {
            check[field] = value;
        }
    }

    /// POSTs `push` to the push server once; a failure is only logged, as WeChat does not retry here.
    async fn deliver(&self, url: &str, push: &Push) {
        let sent = self
            .http
            .post(push.url(url))
            .header("content-type", "application/json")
            .body(push.body.clone())
            .timeout(HTTP_TIMEOUT)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => eprintln!("fake WeChat: the push to {url} answered {}", response.status()),
            Err(err) => eprintln!("fake WeChat: the push to {url} failed: {err}"),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

impl PushConfig {
    /// `msg` (the event JSON) as WeChat pushes it now for `openid` of mini-program `appid`:
    /// signed with the token, and encrypted too when an EncodingAESKey is set.
    pub fn make_push(&self, appid: &str, openid: &str, msg: &str) -> Result<Push, PushCryptoError> {
        let timestamp = unix_now().to_string();
        let nonce = (1_000_000_000 + random_u64() % 9_000_000_000).to_string();
        let signature = push_signature(&self.token, &timestamp, &nonce, None);
        let mut query = vec![
            ("signature", signature),
            ("timestamp", timestamp.clone()),
            ("nonce", nonce.clone()),
            ("openid", openid.to_owned()),
        ];
        let body = match &self.aes_key {
            None => msg.to_owned(),
            Some(aes_key) => {
                let encrypted = encrypt_push(aes_key, appid, msg)?;
                let msg_signature = push_signature(&self.token, &timestamp, &nonce, Some(&encrypted));
                query.push(("encrypt_type", "aes".to_owned()));
                query.push(("msg_signature", msg_signature));
                json!({ "ToUserName": PUSH_TO_USER, "Encrypt": encrypted }).to_string()
            }
        };
        let query = query
            .iter()
            .map(|(name, value)| format!("{name}={}", percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        Ok(Push { query, body })
    }
}

/// `text` for a query string: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The signature of a push: hex SHA-1 of the token, timestamp, nonce (and, for `msg_signature`,
/// the `Encrypt` text) sorted as strings and concatenated.
pub fn push_signature(token: &str, timestamp: &str, nonce: &str, extra: Option<&str>) -> String {
    let mut parts: Vec<&str> = [token, timestamp, nonce].into_iter().chain(extra).collect();
    parts.sort_unstable();
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        parts.concat().as_bytes(),
    );
    hex::encode(digest.as_ref())
}

/// Why a push cannot be encrypted or decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushCryptoError {
    /// The EncodingAESKey is not 43 base64 characters.
    Key,
    /// The `Encrypt` text is not base64 of whole 32-byte blocks, or does not decrypt.
    Ciphertext,
    /// The decrypted padding is not 1 to 32 bytes of its own length.
    Padding,
    /// The decrypted message length is wrong, or the message is not UTF-8.
    Message,
    /// The decrypted appid is not the mini-program's.
    AppId,
}

impl fmt::Display for PushCryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Key => "the EncodingAESKey is not 43 base64 characters",
            Self::Ciphertext => "the Encrypt text is not a valid ciphertext",
            Self::Padding => "the decrypted padding is invalid",
            Self::Message => "the decrypted message length or text is invalid",
            Self::AppId => "the decrypted appid is not the mini-program's",
        })
    }
}

impl std::error::Error for PushCryptoError {}

/// Safe-mode messages are padded to whole multiples of this, not of the AES block.
const PUSH_PAD_BLOCK: usize = 32;

/// Base64 that, like WeChat's own libraries, ignores the two spare bits of the key's last character.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// The AES key of an EncodingAESKey: base64 of the key plus `=`, 32 bytes.
pub fn decode_aes_key(encoding_aes_key: &str) -> Result<[u8; 32], PushCryptoError> {
    if encoding_aes_key.len() != 43 {
        return Err(PushCryptoError::Key);
    }
    let bytes = LENIENT_BASE64
        .decode(format!("{encoding_aes_key}="))
        .map_err(|_| PushCryptoError::Key)?;
    bytes.try_into().map_err(|_| PushCryptoError::Key)
}

/// The `Encrypt` text of a safe-mode push: base64 of AES-256-CBC (IV = the key's first 16
/// bytes) of 16 random bytes, the message length (u32, big-endian), `msg` and `appid`, padded
/// PKCS#7-style to a multiple of 32 bytes.
pub fn encrypt_push(aes_key: &str, appid: &str, msg: &str) -> Result<String, PushCryptoError> {
    encrypt_push_with(aes_key, appid, msg, random_bytes::<16>())
}

fn encrypt_push_with(
    aes_key: &str,
    appid: &str,
    msg: &str,
    random: [u8; 16],
) -> Result<String, PushCryptoError> {
    let key = decode_aes_key(aes_key)?;
    let length = u32::try_from(msg.len()).map_err(|_| PushCryptoError::Message)?;
    let mut text = Vec::with_capacity(20 + msg.len() + appid.len() + PUSH_PAD_BLOCK);
    text.extend_from_slice(&random);
    text.extend_from_slice(&length.to_be_bytes());
    text.extend_from_slice(msg.as_bytes());
    text.extend_from_slice(appid.as_bytes());
    let pad = PUSH_PAD_BLOCK - text.len() % PUSH_PAD_BLOCK;
    text.resize(text.len() + pad, pad as u8);
    let cipher = UnboundCipherKey::new(&AES_256, &key)
        .and_then(EncryptingKey::cbc)
        .map_err(|_| PushCryptoError::Key)?;
    cipher
        .less_safe_encrypt(
            &mut text,
            EncryptionContext::Iv128(FixedLength::from(iv_of(&key))),
        )
        .map_err(|_| PushCryptoError::Key)?;
    Ok(STANDARD.encode(text))
}

/// The message of a safe-mode push's `Encrypt` text, when it was made for `appid`.
pub fn decrypt_push(aes_key: &str, appid: &str, encrypted: &str) -> Result<String, PushCryptoError> {
    let key = decode_aes_key(aes_key)?;
    let mut text = STANDARD
        .decode(encrypted)
        .map_err(|_| PushCryptoError::Ciphertext)?;
    if text.is_empty() || text.len() % PUSH_PAD_BLOCK != 0 {
        return Err(PushCryptoError::Ciphertext);
    }
    let cipher = UnboundCipherKey::new(&AES_256, &key)
        .and_then(DecryptingKey::cbc)
        .map_err(|_| PushCryptoError::Key)?;
    let text = cipher
        .decrypt(
            &mut text,
            DecryptionContext::Iv128(FixedLength::from(iv_of(&key))),
        )
        .map_err(|_| PushCryptoError::Ciphertext)?;
    let pad = text.last().map_or(0, |&last| usize::from(last));
    if !(1..=PUSH_PAD_BLOCK).contains(&pad) || text[text.len() - pad..].iter().any(|&b| usize::from(b) != pad)
    {
        return Err(PushCryptoError::Padding);
    }
    let text = &text[..text.len() - pad];
    let Some((length, rest)) = text.get(16..20).zip(text.get(20..)) else {
        return Err(PushCryptoError::Message);
    };
    let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
    if rest.len() < length {
        return Err(PushCryptoError::Message);
    }
    let (msg, their_appid) = rest.split_at(length);
    if their_appid != appid.as_bytes() {
        return Err(PushCryptoError::AppId);
    }
    String::from_utf8(msg.to_vec()).map_err(|_| PushCryptoError::Message)
}

fn iv_of(key: &[u8; 32]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    iv
}

fn subscribe_send(body: Value, state: &mut State) -> Value {
    let Some(touser) = body["touser"].as_str().filter(|s| !s.is_empty()) else {
        return error(40003, "invalid openid");
    };
    if !non_empty(&body["template_id"]) {
        return error(40037, "invalid template_id");
    }
    let Some(data) = body["data"].as_object() else {
        return error(47003, "argument invalid! data is empty");
    };
    if let Some((name, _)) = data.iter().find(|(_, entry)| !non_empty(&entry["value"])) {
        return error(47003, &format!("argument invalid! data.{name}.value is empty"));
    }
    let state_ok = body["miniprogram_state"].is_null()
        || matches!(
            body["miniprogram_state"].as_str(),
            Some("developer" | "trial" | "formal")
        );
    let page_ok = body["page"].is_null() || body["page"].is_string();
    if !state_ok || !page_ok {
        return error(47001, "data format error");
    }
    if state.refusing.contains(touser) {
        return error(43101, "user refuse to accept the msg");
    }
    state.subscribe_sends.push(body);
    json!({ "errcode": 0, "errmsg": "ok", "msgid": state.subscribe_sends.len() })
}

/// The characters a mini-program code's scene may hold besides letters and digits.
const SCENE_PUNCTUATION: &str = "!#$&'()*+,/:;=?@-._~";

fn wxacode_unlimit(body: &Value, state: &mut State) -> Answer {
    let scene = body["scene"].as_str().unwrap_or_default();
    let scene_ok = (1..=32).contains(&scene.len())
        && scene
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SCENE_PUNCTUATION.contains(c));
    let page = if body["page"].is_null() {
        Some("")
    } else {
        body["page"].as_str()
    };
    let env_ok = body["env_version"].is_null()
        || matches!(
            body["env_version"].as_str(),
            Some("release" | "trial" | "develop")
        );
    let width_ok =
        body["width"].is_null() || body["width"].as_i64().is_some_and(|w| (280..=1280).contains(&w));
    let check_path_ok = body["check_path"].is_null() || body["check_path"].is_boolean();
    let Some(page) = page.filter(|_| scene_ok && env_ok && width_ok && check_path_ok) else {
        return error(40097, "invalid args").into();
    };
    if page.starts_with('/') {
        return error(41030, "invalid page").into();
    }
    state.wxacode_calls += 1;
    Answer::Png(png_with_comment(&format!("scene={scene};page={page}")))
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// A 1x1 black greyscale PNG whose tEXt `Comment` is `comment`.
fn png_with_comment(comment: &str) -> Vec<u8> {
    let mut png = PNG_SIGNATURE.to_vec();
    // Width 1, height 1, bit depth 8, greyscale, deflate, adaptive filtering, no interlace.
    png_chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    png_chunk(&mut png, b"tEXt", &[b"Comment\0", comment.as_bytes()].concat());
    // The one scanline (filter type 0, one black pixel) as a zlib stream of one stored block:
    // header, BFINAL with BTYPE 00, LEN and NLEN (little-endian), the bytes, Adler-32.
    let scanline = [0u8, 0];
    let length = scanline.len() as u16;
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&length.to_le_bytes());
    zlib.extend_from_slice(&(!length).to_le_bytes());
    zlib.extend_from_slice(&scanline);
    zlib.extend_from_slice(&adler32(&scanline).to_be_bytes());
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// Appends a chunk: length, type, data, CRC-32 of type and data.
fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO-HDLC, as PNG and zip use it), bit by bit: images here are tiny.
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |crc, _| {
            if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            }
        })
    })
}

/// Adler-32, zlib's checksum.
fn adler32(bytes: &[u8]) -> u32 {
    let (a, b) = bytes.iter().fold((1u32, 0u32), |(a, b), &byte| {
        let a = (a + u32::from(byte)) % 65_521;
        (a, (b + a) % 65_521)
    });
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WeChat's documented sample EncodingAESKey: its last character carries two spare bits.
    const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APPID: &str = "wxb11529c136998cb6";
    const PUSH_TOKEN: &str = "push-token";

    #[test]
    fn the_same_name_gets_the_same_openid_and_different_names_differ() {
        assert_eq!(openid_for("alice"), openid_for("alice"));
        assert_ne!(openid_for("alice"), openid_for("bob"));
        assert_eq!(openid_for("alice").len(), 28);
    }

    #[test]
    fn session_keys_are_16_bytes() {
        assert_eq!(STANDARD.decode(session_key_for("alice.1")).unwrap().len(), 16);
    }

    #[test]
    fn a_push_signature_is_the_sha1_of_its_parts_sorted_and_joined() {
        // SHA-1("abc"), the FIPS 180 test vector, computed independently of this code.
        let abc = "a9993e364706816aba3e25717850c26c9cd0d89d";

        assert_eq!(push_signature("c", "a", "b", None), abc);
        assert_eq!(push_signature("b", "", "c", Some("a")), abc);
        assert_ne!(push_signature("c", "a", "b", Some("d")), abc);
    }

    #[test]
    fn an_encoding_aes_key_decodes_to_32_bytes_even_with_spare_bits() {
        let key = decode_aes_key(AES_KEY).unwrap();

        // As Python's lenient base64 decodes it.
        assert_eq!(
            hex::encode(key),
            "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051"
        );
        assert_eq!(decode_aes_key("short"), Err(PushCryptoError::Key));
        assert_eq!(decode_aes_key(&"*".repeat(43)), Err(PushCryptoError::Key));
    }

    #[test]
    fn a_push_is_encrypted_as_an_independent_aes_256_cbc_does() {
        // `openssl enc -aes-256-cbc -nopad` (key and IV from AES_KEY) of "0123456789abcdef",
        // the length 27 (big-endian), the message, APPID and 31 bytes of 31.
        let expected = "Q3stYC6hdFzMh9T8HCvyDOwQFUd2BEgk9OZ41TAgZyPW2zfCIOw7qwKKv7p8wlww\
                        7BE5HkJqSBWDe4AkQQunJjn9V2As69zdTKc8Pe8PWvp7xtAdh72hZt7BvUF6EZN3";
        let msg = r#"{"Event":"wxa_media_check"}"#;

        let encrypted = encrypt_push_with(AES_KEY, APPID, msg, *b"0123456789abcdef").unwrap();

        assert_eq!(encrypted, expected);
        assert_eq!(decrypt_push(AES_KEY, APPID, expected).unwrap(), msg);
    }

    #[test]
    fn an_encrypted_push_decrypts_to_its_message_for_its_appid_only() {
        for msg in ["", "x", &"0123456789".repeat(10), "多字节 message"] {
            let encrypted = encrypt_push(AES_KEY, APPID, msg).unwrap();

            assert_eq!(STANDARD.decode(&encrypted).unwrap().len() % 32, 0);
            assert_eq!(decrypt_push(AES_KEY, APPID, &encrypted).unwrap(), msg);
            assert_eq!(
                decrypt_push(AES_KEY, "wxother", &encrypted),
                Err(PushCryptoError::AppId)
            );
        }
        assert_ne!(
            encrypt_push(AES_KEY, APPID, "x"),
            encrypt_push(AES_KEY, APPID, "x")
        );
        assert_eq!(
            decrypt_push(AES_KEY, APPID, "AAAA"),
            Err(PushCryptoError::Ciphertext)
        );
    }

    #[test]
    fn crc32_and_adler32_match_their_standard_check_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    /// The chunks of `png` after its signature: (type, data), each CRC checked.
    fn png_chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut chunks = Vec::new();
        let mut rest = &png[8..];
        while !rest.is_empty() {
            let length = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            let (kind_and_data, crc) = rest[4..].split_at(4 + length);
            assert_eq!(crc32(kind_and_data).to_be_bytes(), crc[..4], "the CRC of a chunk");
            let kind = String::from_utf8(kind_and_data[..4].to_vec()).unwrap();
            chunks.push((kind, kind_and_data[4..].to_vec()));
            rest = &crc[4..];
        }
        chunks
    }

    #[test]
    fn a_mini_program_code_is_a_valid_png_carrying_its_scene() {
        let png = png_with_comment("scene=order=42;page=pages/order/order");

        assert_eq!(png[..8], PNG_SIGNATURE);
        let chunks = png_chunks(&png);
        let kinds: Vec<&str> = chunks.iter().map(|(kind, _)| kind.as_str()).collect();
        assert_eq!(kinds, ["IHDR", "tEXt", "IDAT", "IEND"]);
        assert_eq!(chunks[1].1, b"Comment\0scene=order=42;page=pages/order/order");
        let idat = &chunks[2].1;
        assert_eq!(
            u16::from_be_bytes([idat[0], idat[1]]) % 31,
            0,
            "a valid zlib header"
        );
        assert_eq!(idat[idat.len() - 4..], adler32(&[0, 0]).to_be_bytes());
        assert_eq!(png, png_with_comment("scene=order=42;page=pages/order/order"));
    }

    /// A loopback server that answers every request with its path and query, keeping what it was
    /// sent: (path and query, body).
    async fn recorder() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let log = log.clone();
                        async move {
                            let target = request.uri().to_string();
                            let body = request.into_body().collect().await.unwrap().to_bytes();
                            let body = String::from_utf8_lossy(&body).into_owned();
                            log.lock().unwrap().push((target.clone(), body));
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(target))))
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        (base, seen)
    }

    #[tokio::test]
    async fn devtools_codes_log_in_as_the_configured_developer_and_patterned_codes_as_before() {
        let fake = spawn(FakeWeChatConfig {
            appid: APPID.into(),
            secret: "secret".into(),
            push: None,
            developer: Some("developer".into()),
        })
        .await
        .unwrap();
        let login = |code: &'static str| {
            let url = format!(
                "{}/sns/jscode2session?appid={APPID}&secret=secret&grant_type=authorization_code&js_code={code}",
                fake.base_url
            );
            async move { reqwest::get(url).await.unwrap().json::<Value>().await.unwrap() }
        };
        let first = login("0c3XyZ1w3Kx9Ab0Q2fGh4J5k6L7m8N9p").await;
        let second = login("0a1BcD2eF3gH4iJ5kL6mN7oP8qR9sT0u").await;
        let named = login("alice.1").await;
        assert_eq!(first["openid"], openid_for("developer"));
        assert_eq!(
            second["openid"],
            openid_for("developer"),
            "the same developer across codes"
        );
        assert_eq!(named["openid"], openid_for("alice"));
    }

    async fn start(push: Option<PushConfig>) -> (FakeWeChat, String) {
        let fake = spawn(FakeWeChatConfig {
            appid: APPID.into(),
            secret: "secret".into(),
            push,
            developer: None,
        })
        .await
        .unwrap();
        let token = reqwest::Client::new()
            .post(format!("{}/cgi-bin/stable_token", fake.base_url))
            .json(&json!({ "grant_type": "client_credential", "appid": APPID, "secret": "secret" }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        (fake, token)
    }

    async fn call(fake: &FakeWeChat, path: &str, token: &str, body: Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}?access_token={token}", fake.base_url))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn call_json(fake: &FakeWeChat, path: &str, token: &str, body: Value) -> Value {
        serde_json::from_slice(&call(fake, path, token, body).await.bytes().await.unwrap()).unwrap()
    }

    fn media_check(media_url: &str) -> Value {
        json!({ "media_url": media_url, "media_type": 2, "version": 2, "openid": "o-alice", "scene": 1 })
    }

    fn query_of(push: &Push) -> HashMap<String, String> {
        serde_urlencoded::from_str(&push.query).unwrap()
    }

    /// Waits until the fake has judged (or failed to download) every media check.
    async fn judged(fake: &FakeWeChat) -> Vec<Value> {
        for _ in 0..500 {
            let checks = fake.media_checks();
            if checks
                .iter()
                .all(|c| !c["result"].is_null() || !c["error"].is_null())
            {
                return checks;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the media checks were not judged: {:?}", fake.media_checks());
    }

    /// A shipping report of one parcel, as the functions send it.
    fn shipping_report(carrier: &str, receiver: Option<&str>) -> Value {
        static ORDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let transaction = 4_200_002_026_112_500_000_000_u128
            + u128::from(ORDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut parcel = json!({"tracking_no": "T100", "express_company": carrier, "item_desc": "西湖龙井"});
        if let Some(receiver) = receiver {
            parcel["contact"] = json!({ "receiver_contact": receiver });
        }
        json!({
            "order_key": {"order_number_type": 2, "transaction_id": transaction.to_string()},
            "logistics_type": 1,
            "delivery_mode": 1,
            "shipping_list": [parcel],
            "upload_time": "2026-11-25T18:00:00+08:00",
            "payer": {"openid": "o_payer"},
        })
    }

    #[tokio::test]
    async fn an_sf_report_needs_the_receivers_masked_phone_as_wechat_requires() {
        let (fake, token) = start(None).await;
        let path = "/wxa/sec/order/upload_shipping_info";

        let without = call_json(&fake, path, &token, shipping_report("SF", None)).await;
        let unmasked = call_json(&fake, path, &token, shipping_report("SF", Some("13800138000"))).await;
        let masked = call_json(&fake, path, &token, shipping_report("SF", Some("138****8000"))).await;
        let other_carrier = call_json(&fake, path, &token, shipping_report("ZTO", None)).await;
        let mut sixteen = shipping_report("ZTO", None);
        sixteen["shipping_list"] = json!(vec![sixteen["shipping_list"][0].clone(); 16]);
        let too_many = call_json(&fake, path, &token, sixteen).await;

        assert_eq!(without["errcode"], 47001, "{without}");
        assert_eq!(unmasked["errcode"], 47001, "{unmasked}");
        assert_eq!(masked["errcode"], 0, "{masked}");
        assert_eq!(other_carrier["errcode"], 0, "{other_carrier}");
        assert_eq!(too_many["errcode"], 47001, "at most 15 parcels");
        assert_eq!(fake.shipments().len(), 2);
    }

    #[tokio::test]
    async fn reports_name_known_carriers_and_a_split_delivery_ends_once_all_delivered() {
        let (fake, token) = start(None).await;
        let path = "/wxa/sec/order/upload_shipping_info";

        let unknown = call_json(&fake, path, &token, shipping_report("NOSUCH", None)).await;
        assert_eq!(unknown["errcode"], 47001, "{unknown}");
        assert!(unknown["errmsg"].as_str().unwrap().contains("NOSUCH"));

        let whole = shipping_report("ZTO", None);
        assert_eq!(call_json(&fake, path, &token, whole.clone()).await["errcode"], 0);
        let again = call_json(&fake, path, &token, whole).await;
        assert_eq!(
            again["errcode"], 47001,
            "an order reported whole takes no more: {again}"
        );

        let mut split = shipping_report("ZTO", None);
        split["delivery_mode"] = json!(2);
        let unflagged = call_json(&fake, path, &token, split.clone()).await;
        assert_eq!(
            unflagged["errcode"], 47001,
            "a split report says is_all_delivered"
        );
        split["is_all_delivered"] = json!(false);
        assert_eq!(call_json(&fake, path, &token, split.clone()).await["errcode"], 0);
        split["is_all_delivered"] = json!(true);
        assert_eq!(call_json(&fake, path, &token, split.clone()).await["errcode"], 0);
        let after = call_json(&fake, path, &token, split).await;
        assert_eq!(after["errcode"], 47001, "nothing after the last: {after}");

        let mut two_in_one = shipping_report("ZTO", None);
        two_in_one["shipping_list"] = json!(vec![two_in_one["shipping_list"][0].clone(); 2]);
        let refused = call_json(&fake, path, &token, two_in_one).await;
        assert_eq!(
            refused["errcode"], 47001,
            "delivery_mode 1 is one parcel: {refused}"
        );
    }

    #[tokio::test]
    async fn a_media_check_with_bad_arguments_or_a_stale_token_is_refused() {
        let (fake, token) = start(None).await;
        let mut no_openid = media_check("http://127.0.0.1/a.png");
        no_openid["openid"] = json!("");
        let mut ftp = media_check("ftp://127.0.0.1/a.png");
        ftp["scene"] = json!(2);
        let mut audio_v1 = media_check("http://127.0.0.1/a.mp3");
        audio_v1["media_type"] = json!(1);
        audio_v1["version"] = json!(1);

        for body in [no_openid, ftp, audio_v1] {
            let answer = call_json(&fake, "/wxa/media_check_async", &token, body).await;
            assert_eq!(answer["errcode"], 40097);
        }
        let stale = call_json(&fake, "/wxa/media_check_async", "stale", media_check("http://x/")).await;

        assert_eq!(stale["errcode"], 40001);
        assert!(fake.media_checks().is_empty());
    }

    #[tokio::test]
    async fn a_forbidden_image_is_pushed_as_risky_in_plaintext_signed_with_the_token() {
        let (media, _) = recorder().await;
        let push = PushConfig {
            url: None,
            token: PUSH_TOKEN.into(),
            aes_key: None,
        };
        let (fake, token) = start(Some(push)).await;

        let answer = call_json(
            &fake,
            "/wxa/media_check_async",
            &token,
            media_check(&format!("{media}/forbidden.png")),
        )
        .await;
        let pushes = fake.wait_for_pushes(1, Duration::from_secs(5)).await;

        assert_eq!(answer["errcode"], 0);
        assert_eq!(answer["trace_id"], "trace-1");
        assert_eq!(pushes.len(), 1);
        let query = query_of(&pushes[0]);
        assert_eq!(
            query["signature"],
            push_signature(PUSH_TOKEN, &query["timestamp"], &query["nonce"], None)
        );
        assert_eq!(query["openid"], "o-alice");
        assert!(!query.contains_key("encrypt_type"));
        let event: Value = serde_json::from_str(&pushes[0].body).unwrap();
        assert_eq!(event["Event"], "wxa_media_check");
        assert_eq!(event["trace_id"], "trace-1");
        assert_eq!(event["appid"], APPID);
        assert_eq!(event["FromUserName"], "o-alice");
        assert_eq!(event["result"], json!({ "suggest": "risky", "label": 20002 }));
        assert_eq!(event["detail"][0]["suggest"], "risky");
        assert_eq!(fake.media_checks()[0]["result"]["suggest"], "risky");
        assert!(fake.take_pushes().is_empty());
    }

    #[tokio::test]
    async fn a_doubtful_image_is_pushed_as_review_encrypted_in_safe_mode() {
        let (media, _) = recorder().await;
        let push = PushConfig {
            url: None,
            token: PUSH_TOKEN.into(),
            aes_key: Some(AES_KEY.into()),
        };
        let (fake, token) = start(Some(push)).await;

        call_json(
            &fake,
            "/wxa/media_check_async",
            &token,
            media_check(&format!("{media}/doubtful.png")),
        )
        .await;
        let pushes = fake.wait_for_pushes(1, Duration::from_secs(5)).await;

        let query = query_of(&pushes[0]);
        let body: Value = serde_json::from_str(&pushes[0].body).unwrap();
        let encrypted = body["Encrypt"].as_str().unwrap();
        assert_eq!(body["ToUserName"], PUSH_TO_USER);
        assert_eq!(query["encrypt_type"], "aes");
        assert_eq!(
            query["signature"],
            push_signature(PUSH_TOKEN, &query["timestamp"], &query["nonce"], None)
        );
        assert_eq!(
            query["msg_signature"],
            push_signature(PUSH_TOKEN, &query["timestamp"], &query["nonce"], Some(encrypted))
        );
        let event: Value = serde_json::from_str(&decrypt_push(AES_KEY, APPID, encrypted).unwrap()).unwrap();
        assert_eq!(event["result"], json!({ "suggest": "review", "label": 21000 }));
    }

    #[tokio::test]
    async fn media_that_cannot_be_downloaded_is_recorded_and_pushes_nothing() {
        let push = PushConfig {
            url: None,
            token: PUSH_TOKEN.into(),
            aes_key: None,
        };
        let (fake, token) = start(Some(push)).await;
        let closed = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}/a.png", closed.local_addr().unwrap());
        drop(closed);

        call_json(&fake, "/wxa/media_check_async", &token, media_check(&url)).await;
        let checks = judged(&fake).await;

        assert!(
            checks[0]["error"]
                .as_str()
                .unwrap()
                .starts_with("download failed")
        );
        assert!(checks[0]["result"].is_null());
        assert!(fake.take_pushes().is_empty());
    }

    #[tokio::test]
    async fn without_a_push_server_checks_are_judged_and_nothing_is_pushed() {
        let (media, _) = recorder().await;
        let (fake, token) = start(None).await;

        call_json(
            &fake,
            "/wxa/media_check_async",
            &token,
            media_check(&format!("{media}/cat.png")),
        )
        .await;
        call_json(
            &fake,
            "/wxa/media_check_async",
            &token,
            media_check(&format!("{media}/dog.png")),
        )
        .await;
        let checks = judged(&fake).await;

        assert_eq!(checks.len(), 2);
        assert_eq!(checks[1]["trace_id"], "trace-2");
        assert_eq!(checks[1]["request"]["media_url"], format!("{media}/dog.png"));
        assert_eq!(checks[0]["result"], json!({ "suggest": "pass", "label": 100 }));
        assert!(fake.take_pushes().is_empty());
    }

    #[tokio::test]
    async fn with_a_push_url_the_push_is_posted_there_and_not_queued() {
        let (media, _) = recorder().await;
        let (receiver, received) = recorder().await;
        let push = PushConfig {
            url: Some(format!("{receiver}/wechat/push")),
            token: PUSH_TOKEN.into(),
            aes_key: None,
        };
        let (fake, token) = start(Some(push)).await;

        call_json(
            &fake,
            "/wxa/media_check_async",
            &token,
            media_check(&format!("{media}/a.png")),
        )
        .await;
        for _ in 0..500 {
            if !received.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        let received = received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        let (target, body) = &received[0];
        let (path, query) = target.split_once('?').unwrap();
        assert_eq!(path, "/wechat/push");
        assert!(query.starts_with("signature="));
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap()["result"]["suggest"],
            "pass"
        );
        assert!(fake.take_pushes().is_empty());
    }

    fn subscribe_message(touser: &str) -> Value {
        json!({
            "touser": touser,
            "template_id": "tmpl-order-shipped",
            "page": "pages/order/order?id=1",
            "miniprogram_state": "trial",
            "lang": "zh_CN",
            "data": { "thing1": { "value": "Tea" }, "time2": { "value": "2026-11-25 10:00" } }
        })
    }

    #[tokio::test]
    async fn a_subscribe_message_is_accepted_and_recorded_with_a_msgid() {
        let (fake, token) = start(None).await;

        let first = call_json(
            &fake,
            "/cgi-bin/message/subscribe/send",
            &token,
            subscribe_message("o-a"),
        )
        .await;
        let second = call_json(
            &fake,
            "/cgi-bin/message/subscribe/send",
            &token,
            subscribe_message("o-b"),
        )
        .await;

        assert_eq!(first["errcode"], 0);
        assert_eq!(first["msgid"], 1);
        assert_eq!(second["msgid"], 2);
        assert_eq!(
            fake.subscribe_sends(),
            [subscribe_message("o-a"), subscribe_message("o-b")]
        );
    }

    #[tokio::test]
    async fn an_invalid_subscribe_message_is_refused_and_not_recorded() {
        let (fake, token) = start(None).await;
        let mut empty_value = subscribe_message("o-a");
        empty_value["data"]["time2"]["value"] = json!("");
        let mut bad_state = subscribe_message("o-a");
        bad_state["miniprogram_state"] = json!("production");
        let mut no_template = subscribe_message("o-a");
        no_template["template_id"] = json!("");

        let send = |body| call_json(&fake, "/cgi-bin/message/subscribe/send", &token, body);
        let empty_value = send(empty_value).await;
        let bad_state = send(bad_state).await;
        let no_template = send(no_template).await;
        let no_user = send(subscribe_message("")).await;

        assert_eq!(empty_value["errcode"], 47003);
        assert!(
            empty_value["errmsg"]
                .as_str()
                .unwrap()
                .contains("data.time2.value is empty")
        );
        assert_eq!(bad_state["errcode"], 47001);
        assert_eq!(no_template["errcode"], 40037);
        assert_eq!(no_user["errcode"], 40003);
        assert!(fake.subscribe_sends().is_empty());
    }

    #[tokio::test]
    async fn a_user_who_refused_gets_no_subscribe_message() {
        let (fake, token) = start(None).await;
        fake.refuse_subscriptions("o-a");

        let refused = call_json(
            &fake,
            "/cgi-bin/message/subscribe/send",
            &token,
            subscribe_message("o-a"),
        )
        .await;
        let other = call_json(
            &fake,
            "/cgi-bin/message/subscribe/send",
            &token,
            subscribe_message("o-b"),
        )
        .await;

        assert_eq!(refused["errcode"], 43101);
        assert_eq!(other["errcode"], 0);
        assert_eq!(fake.subscribe_sends(), [subscribe_message("o-b")]);
    }

    #[tokio::test]
    async fn a_mini_program_code_is_answered_as_a_png_image_and_counted() {
        let (fake, token) = start(None).await;
        let body = json!({ "scene": "id=42&x=a.b~c", "page": "pages/order/order", "check_path": false,
                           "env_version": "trial", "width": 430 });

        let response = call(&fake, "/wxa/getwxacodeunlimit", &token, body.clone()).await;

        assert_eq!(response.headers()["content-type"], "image/png");
        let png = response.bytes().await.unwrap();
        assert_eq!(png[..8], PNG_SIGNATURE);
        assert_eq!(
            png_chunks(&png)[1].1,
            b"Comment\0scene=id=42&x=a.b~c;page=pages/order/order"
        );
        let again = call(&fake, "/wxa/getwxacodeunlimit", &token, body)
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(png, again);
        assert_eq!(fake.wxacode_calls(), 2);
    }

    #[tokio::test]
    async fn an_invalid_mini_program_code_request_answers_json_and_is_not_counted() {
        let (fake, token) = start(None).await;
        let cases = [
            (json!({ "scene": "" }), 40097),
            (json!({ "scene": "a".repeat(33) }), 40097),
            (json!({ "scene": "a b" }), 40097),
            (json!({ "scene": "场景" }), 40097),
            (json!({ "scene": "a", "env_version": "beta" }), 40097),
            (json!({ "scene": "a", "width": 279 }), 40097),
            (json!({ "scene": "a", "width": 1281 }), 40097),
            (json!({ "scene": "a", "page": "/pages/index/index" }), 41030),
        ];

        for (body, errcode) in cases {
            let response = call(&fake, "/wxa/getwxacodeunlimit", &token, body.clone()).await;
            assert_eq!(response.headers()["content-type"], "text/plain", "{body}");
            let answer: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            assert_eq!(answer["errcode"], errcode, "{body}");
        }
        let stale = call_json(&fake, "/wxa/getwxacodeunlimit", "stale", json!({ "scene": "a" })).await;

        assert_eq!(stale["errcode"], 40001);
        assert_eq!(fake.wxacode_calls(), 0);
    }
}
