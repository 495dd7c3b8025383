//! Static files served by a function: the operators' console, embedded in the function's binary
//! when it is built, at `/console` on the API's own domain (so the session cookie is
//! first-party), with the console's security headers: no inline script or style, nothing from
//! another origin, never framed.

use std::marker::PhantomData;

use lambda_http::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use lambda_http::http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt as _, Response};

use super::config::ConfigError;
use super::serve::{ColdStart, HttpFunction};
use super::startup::Startup;
use crate::infra::crypto::sha256_hex;

/// The console's headers on every file. `connect-src` also allows https (and the loopback
/// emulator): catalog images are posted straight to the bucket, as the mini-program's uploads are.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
         connect-src 'self' https: http://127.0.0.1:* http://localhost:*; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub name: &'static str,
    pub bytes: &'static [u8],
}

/// A set of files a function serves under a path.
pub trait Assets: Send + Sync + 'static {
    /// The function's name, as in `functions/`.
    const NAME: &'static str;
    /// Where they are served (`/console`): the prefix alone answers `index.html`.
    const PREFIX: &'static str;
    const FILES: &'static [Asset];
}

/// Serves `A`'s files: GET and HEAD only, an ETag each (a repeat answers 304), `no-cache` so a
/// new deployment is seen at once.
pub struct StaticFiles<A: Assets> {
    etags: Vec<String>,
    files: PhantomData<A>,
}

impl<A: Assets> StaticFiles<A> {
    pub fn new() -> Self {
        Self {
            etags: A::FILES
                .iter()
                .map(|file| format!("\"{}\"", &sha256_hex(file.bytes)[..16]))
                .collect(),
            files: PhantomData,
        }
    }

    /// The answer to `request`, with its request id (`x-request-id`) as every answer has.
    pub fn answer(&self, request: &Request) -> Response<Body> {
        let started = std::time::Instant::now();
        let request_id = super::http::request_id_of(request);
        let mut response = self.file(request, &request_id);
        let status = response.status().as_u16();
        super::metrics::record(&super::metrics::Measured {
            function: A::NAME,
            request_id: &request_id,
            status,
            code: match status {
                200 | 304 => 0,
                405 => 40501,
                _ => 40401,
            },
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            business: Vec::new(),
        });
        tracing::info!(
            request_id,
            function = A::NAME,
            method = %request.method(),
            path = request.uri().path(),
            status,
            "request"
        );
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-request-id", id);
        }
        response
    }

    fn file(&self, request: &Request, request_id: &str) -> Response<Body> {
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            return error(
                request_id,
                StatusCode::METHOD_NOT_ALLOWED,
                40501,
                "method not allowed",
            );
        }
        let path = match request.raw_http_path() {
            "" => request.uri().path(),
            raw => raw,
        };
        let name = match path.strip_prefix(A::PREFIX) {
            Some("" | "/") => "index.html",
            Some(rest) => match rest.strip_prefix('/') {
                Some(name) => name,
                None => return error(request_id, StatusCode::NOT_FOUND, 40401, "file not found"),
            },
            None => return error(request_id, StatusCode::NOT_FOUND, 40401, "file not found"),
        };
        let Some(index) = A::FILES.iter().position(|file| file.name == name) else {
            return error(request_id, StatusCode::NOT_FOUND, 40401, "file not found");
        };
        let file = A::FILES[index];
        let etag = &self.etags[index];
        let fresh = request
            .headers()
            .get(IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag));
        let mut response = if fresh {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else if *request.method() == Method::HEAD {
            Response::new(Body::Empty)
        } else {
            Response::new(Body::Text(String::from_utf8_lossy(file.bytes).into_owned()))
        };
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(file.name)));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if let Ok(value) = HeaderValue::from_str(etag) {
            headers.insert(ETAG, value);
        }
        for (name, value) in SECURITY_HEADERS {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        response
    }
}

impl<A: Assets> Default for StaticFiles<A> {
    fn default() -> Self {
        Self::new()
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn error(request_id: &str, status: StatusCode, code: u32, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "code": code, "message": message, "requestId": request_id }).to_string();
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

impl<A: Assets> ColdStart for StaticFiles<A> {
    const NAME: &'static str = A::NAME;

    async fn cold_start(_startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self::new())
    }
}

impl<A: Assets> HttpFunction for StaticFiles<A> {
    async fn respond(&self, request: Request) -> Response<Body> {
        self.answer(&request)
    }
}

/// Runs a function that serves `A`'s files.
pub async fn serve<A: Assets>() -> Result<(), lambda_http::Error> {
    super::serve::serve_http::<StaticFiles<A>>().await
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Site;

    impl Assets for Site {
        const NAME: &'static str = "site";
        const PREFIX: &'static str = "/console";
        const FILES: &'static [Asset] = &[
            Asset {
                name: "index.html",
                bytes: b"<!doctype html><p>hi",
            },
            Asset {
                name: "app.js",
                bytes: b"console.log(1)",
            },
        ];
    }

    fn get(path: &str) -> Request {
        lambda_http::http::Request::builder()
            .uri(path)
            .body(Body::Empty)
            .expect("a request")
    }

    #[test]
    fn files_are_served_with_their_type_and_the_consoles_security_headers() {
        let site = StaticFiles::<Site>::new();
        for path in ["/console", "/console/"] {
            let index = site.answer(&get(path));
            assert_eq!(index.status(), 200, "{path}");
            assert_eq!(index.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
            assert!(
                index.headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("frame-ancestors 'none'")
            );
            assert_eq!(index.headers()["x-frame-options"], "DENY");
        }
        let script = site.answer(&get("/console/app.js"));
        assert_eq!(script.headers()[CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(site.answer(&get("/console/nothing.js")).status(), 404);
        assert_eq!(site.answer(&get("/console/../Cargo.toml")).status(), 404);
        assert_eq!(site.answer(&get("/consolex")).status(), 404);
        assert!(
            site.answer(&get("/consolex"))
                .headers()
                .contains_key("x-request-id")
        );
    }

    #[test]
    fn a_repeat_with_the_etag_is_a_304() {
        let site = StaticFiles::<Site>::new();
        let first = site.answer(&get("/console/app.js"));
        let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
        let mut again = get("/console/app.js");
        again
            .headers_mut()
            .insert(IF_NONE_MATCH, HeaderValue::from_str(&etag).unwrap());
        assert_eq!(site.answer(&again).status(), 304);
    }
}
