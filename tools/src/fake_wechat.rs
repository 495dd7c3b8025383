//! A local fake of WeChat's `jscode2session`, speaking its real HTTP contract, so people and
//! tests can drive every login path. Development and tests only: it binds to loopback.
//!
//! Rules for a code `NAME` or `NAME.ANYTHING`:
//! - the same NAME always logs in the same openid; different NAMEs, different openids;
//! - every code works once; a reuse answers 40163;
//! - NAME starting `bad` answers 40029, `blocked` 40226, `limited` 45011, `busy` -1 every time,
//!   `flaky` -1 on the first call and success on the retry, `slow` answers after 10 s;
//! - NAME starting `union` also gets a unionid.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http_body_util::Full;
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
    let config = Arc::new(config);
    let state = Arc::new(Mutex::new(State::default()));
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

/// Binds to a free loopback port and serves in the background; returns the base URL.
pub async fn spawn(config: FakeWeChatConfig) -> std::io::Result<String> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, config));
    Ok(format!("http://{addr}"))
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
    let body = if request.uri().path() != "/sns/jscode2session" {
        error(40066, "invalid url")
    } else if query.get("appid") != Some(&config.appid) {
        error(40013, "invalid appid")
    } else if query.get("secret") != Some(&config.secret) {
        error(40125, "invalid appsecret")
    } else if query.get("grant_type").map(String::as_str) != Some("authorization_code") {
        error(40002, "invalid grant_type")
    } else {
        match query.get("js_code").filter(|c| !c.is_empty()) {
            None => error(41008, "missing code"),
            Some(code) => answer(code, &state).await,
        }
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    // WeChat labels JSON as text/plain at times; so does the fake, to keep clients honest.
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    Ok(response)
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
        let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
