//! A local fake of the WeChat server API, speaking its real HTTP contract, so people and tests can
//! drive every path. Development and tests only: it binds to loopback.
//!
//! `GET /sns/jscode2session`: rules for a code `NAME` or `NAME.ANYTHING`:
//! - the same NAME always logs in the same openid; different NAMEs, different openids;
//! - every code works once; a reuse answers 40163;
//! - NAME starting `bad` answers 40029, `blocked` 40226, `limited` 45011, `busy` -1 every time,
//!   `flaky` -1 on the first call and success on the retry, `slow` answers after 10 s;
//! - NAME starting `union` also gets a unionid.
//!
//! `POST /cgi-bin/stable_token`: answers the current access token (a new one when there is none
//! or `force_refresh` is true, which invalidates the old one), valid 7200 s, and counts the calls.
//! Every API below refuses any other token with 40001.
//!
//! `POST /wxa/business/getuserphonenumber`: a code `phone.NAME` (or `phone.NAME.ANYTHING`) answers
//! NAME's number, [`phone_for`]; each code works once (then 40163); any other code answers 40029.
//!
//! `POST /wxa/msg_sec_check`: version 2 only; content containing the word `forbidden` is `risky`
//! (label 20001), content containing `doubtful` is `review` (label 21000), anything else `pass`.
//!
//! `POST /wxa/sec/order/upload_shipping_info`: checks the order key, logistics type, shipping list,
//! upload time and payer, answers errcode 0 and records the report (see [`FakeWeChat::shipments`]).

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// How long a `slow` code makes the caller wait.
pub const SLOW_DELAY: Duration = Duration::from_secs(10);

/// The credentials the fake accepts.
#[derive(Debug, Clone)]
pub struct FakeWeChatConfig {
    pub appid: String,
    pub secret: String,
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

/// Serves the fake on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, config: FakeWeChatConfig) {
    serve_state(listener, config, Arc::default()).await
}

async fn serve_state(listener: TcpListener, config: FakeWeChatConfig, state: Arc<Mutex<State>>) {
    let config = Arc::new(config);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (config, state) = (config.clone(), state.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, config.clone(), state.clone()));
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

async fn handle(
    request: Request<Incoming>,
    config: Arc<FakeWeChatConfig>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
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
    let answer = match path.as_str() {
        "/sns/jscode2session" => code_to_session(&query, &config, &state).await,
        "/cgi-bin/stable_token" => stable_token(&body, &config, &state),
        "/wxa/sec/order/upload_shipping_info" => {
            with_token(&query, &state, |state| upload_shipping_info(body, state))
        }
        "/wxa/msg_sec_check" => with_token(&query, &state, |_| msg_sec_check(&body)),
        "/wxa/business/getuserphonenumber" => {
            with_token(&query, &state, |state| user_phone_number(&body, &config, state))
        }
        _ => error(40066, "invalid url"),
    };
    let mut response = Response::new(Full::new(Bytes::from(answer.to_string())));
    // WeChat labels JSON as text/plain at times; so does the fake, to keep clients honest.
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/plain"),
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
            Some(code) => answer(code, state).await,
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
fn with_token(
    query: &HashMap<String, String>,
    state: &Mutex<State>,
    api: impl FnOnce(&mut State) -> Value,
) -> Value {
    let mut state = lock(state);
    match (query.get("access_token"), &state.access_token) {
        (Some(given), Some(current)) if given == current => api(&mut state),
        _ => error(40001, "invalid credential, access_token is invalid or not latest"),
    }
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
        && list.len() <= 10
        && list.iter().all(|item| {
            let described = item["item_desc"]
                .as_str()
                .is_some_and(|d| !d.is_empty() && d.chars().count() <= 120);
            let tracked = logistics_type != 1
                || (non_empty(&item["tracking_no"]) && non_empty(&item["express_company"]));
            described && tracked
        });
    let valid = key_ok
        && (1..=4).contains(&logistics_type)
        && body["delivery_mode"] == 1
        && list_ok
        && body["upload_time"].as_str().is_some_and(is_rfc3339)
        && non_empty(&body["payer"]["openid"]);
    if !valid {
        return error(47001, "data format error");
    }
    state.shipments.push(body);
    json!({ "errcode": 0, "errmsg": "ok" })
}

/// The mainland number the fake gives to `phone.NAME` codes: 11 digits starting 13, from NAME.
pub fn phone_for(name: &str) -> String {
    let digest = sha256(&format!("phone:{name}"));
    let digits: String = digest.iter().take(9).map(|b| char::from(b'0' + b % 10)).collect();
    format!("13{digits}")
}

fn user_phone_number(body: &Value, config: &FakeWeChatConfig, state: &mut State) -> Value {
    let code = body["code"].as_str().unwrap_or_default();
    let Some(name) = code
        .strip_prefix("phone.")
        .map(|rest| rest.split_once('.').map_or(rest, |(name, _)| name))
        .filter(|name| !name.is_empty())
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

async fn answer(code: &str, state: &Mutex<State>) -> Value {
    let name = code.split_once('.').map_or(code, |(name, _)| name);
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
