//! The request adapter every function runs through: input merge, limits, authentication,
//! the response envelope, error mapping, one access-log line per request, panic safety.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt as _;
use lambda_http::http::header::{AUTHORIZATION, CONTENT_TYPE};
use lambda_http::http::{HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt as _, Response, service_fn};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::{Caller, TokenService, random_id};
use crate::config::{ConfigError, HttpConfig};
use crate::error::{ApiError, Envelope};
use crate::startup::Startup;

/// Whether a function needs a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A valid access token (`Authorization: Bearer ...`) is required.
    Token,
}

/// The longest `Authorization` header we read.
const MAX_TOKEN_BYTES: usize = 4096;

/// What a handler knows about the request besides its input.
#[derive(Debug)]
pub struct Context {
    pub request_id: String,
    caller: Option<Caller>,
    headers: HeaderMap,
}

impl Context {
    /// The authenticated caller. Only token-protected functions have one.
    pub fn caller(&self) -> Result<&Caller, ApiError> {
        self.caller
            .as_ref()
            .ok_or_else(|| ApiError::internal("reading the caller", "the function is not token-protected"))
    }

    /// A request header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One function: its route facts, its typed input and output, and its handler.
pub trait Endpoint: Sized + Send + Sync + 'static {
    /// The function's name, as in `functions/` and the logs.
    const NAME: &'static str;
    const METHOD: Method;
    const ACCESS: Access;
    /// Built from the merged path parameters, query string and JSON body.
    type Input: DeserializeOwned + Send;
    type Output: Serialize + Send;

    /// Builds the function's state once per cold start.
    fn build(startup: &Startup) -> impl Future<Output = Result<Self, ConfigError>> + Send;

    /// Handles one request.
    fn handle(
        &self,
        ctx: &Context,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;
}

/// An input with no fields; any field is rejected.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

/// Runs `E` as a Lambda function: telemetry, state built once, then the event loop.
pub async fn serve<E: Endpoint>() -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let startup = Startup::from_env().await;
    let adapter = Adapter::<E>::build(&startup).await.inspect_err(|err| {
        tracing::error!(function = E::NAME, error = %err, "cold start failed");
    })?;
    startup.warm_up().await;
    let adapter = Arc::new(adapter);
    // Sequential on classic Lambda; concurrent when AWS_LAMBDA_MAX_CONCURRENCY asks for it.
    lambda_http::run_concurrent(service_fn(move |request| {
        let adapter = adapter.clone();
        async move { Ok::<_, Infallible>(adapter.handle(request).await) }
    }))
    .await
}

/// Wraps an [`Endpoint`] with everything every function does the same way.
pub struct Adapter<E> {
    endpoint: E,
    tokens: Option<Arc<TokenService>>,
    http: HttpConfig,
}

impl<E: Endpoint> Adapter<E> {
    pub async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let tokens = match E::ACCESS {
            Access::Token => Some(startup.token_service().await?),
            Access::Public => None,
        };
        Ok(Self {
            endpoint: E::build(startup).await?,
            tokens,
            http: HttpConfig::from_env(&startup.env)?,
        })
    }

    /// Turns any request into a response; never fails, never panics.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let request_id = request_id_of(&request);
        let method = request.method().clone();
        let path = request.raw_http_path().to_owned();

        let outcome = AssertUnwindSafe(self.process(&request_id, request))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(ApiError::internal("handling the request", panic_message(&panic))));

        let response = match &outcome {
            Ok(data) => respond(StatusCode::OK, &request_id, 0, "ok", Some(data), None),
            Err(err) => {
                let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                respond(
                    status,
                    &request_id,
                    err.code(),
                    &err.to_string(),
                    None,
                    err.details(),
                )
            }
        };
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = response.status().as_u16();
        match &outcome {
            Ok(_) => tracing::info!(
                request_id, function = E::NAME, method = %method, path, status, latency_ms, code = 0, "request"
            ),
            Err(err) if err.is_server_error() => tracing::error!(
                request_id, function = E::NAME, method = %method, path, status, latency_ms,
                code = err.code(), error = err.cause_chain(), "request"
            ),
            Err(err) => tracing::warn!(
                request_id, function = E::NAME, method = %method, path, status, latency_ms,
                code = err.code(), field = err.field(), "request"
            ),
        }
        response
    }

    async fn process(&self, request_id: &str, request: Request) -> Result<Value, ApiError> {
        if request.method() != E::METHOD {
            return Err(ApiError::MethodNotAllowed);
        }
        let body_len = request.body().len();
        if body_len > self.http.max_body_bytes {
            return Err(ApiError::PayloadTooLarge {
                limit: self.http.max_body_bytes,
            });
        }
        let caller = match (&self.tokens, E::ACCESS) {
            (Some(tokens), Access::Token) => Some(tokens.verify(bearer_token(request.headers())?)?),
            _ => None,
        };
        let input: E::Input = parse_input(merge_input(&request)?)?;
        let ctx = Context {
            request_id: request_id.to_owned(),
            caller,
            headers: request.headers().clone(),
        };
        let output = self.endpoint.handle(&ctx, input).await?;
        serde_json::to_value(output).map_err(|e| ApiError::internal("serialising the response", e))
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(ApiError::MissingToken);
    };
    if value.len() > MAX_TOKEN_BYTES {
        return Err(ApiError::InvalidToken);
    }
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::MissingToken);
    }
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(ApiError::InvalidToken),
    }
}

/// Merges the JSON body, the query string and the path parameters into one object, so one
/// function works behind an API Gateway route, a function URL and `cargo lambda invoke`.
/// A name given twice with different values is rejected rather than silently picked.
pub fn merge_input(request: &Request) -> Result<Value, ApiError> {
    let mut merged = parse_body(request.body())?;
    let mut query: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if let Some(params) = request.query_string_parameters_ref() {
        for (name, value) in params.iter() {
            query.entry(name).or_default().push(value);
        }
    }
    for (name, values) in query {
        let value = match values.as_slice() {
            [one] => Value::String((*one).to_owned()),
            many => Value::Array(many.iter().map(|v| Value::String((*v).to_owned())).collect()),
        };
        insert_unique(&mut merged, name, value)?;
    }
    if let Some(params) = request.path_parameters_ref() {
        for (name, value) in params.iter() {
            insert_unique(&mut merged, name, Value::String(value.to_owned()))?;
        }
    }
    Ok(Value::Object(merged))
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::validation("body", "must be a JSON object")),
        Err(_) => Err(ApiError::InvalidJson),
    }
}

fn insert_unique(merged: &mut Map<String, Value>, name: &str, value: Value) -> Result<(), ApiError> {
    match merged.get(name) {
        Some(existing) if *existing != value => {
            Err(ApiError::validation(name, "given twice with different values"))
        }
        _ => {
            merged.insert(name.to_owned(), value);
            Ok(())
        }
    }
}

/// Deserialises the merged input; the error names the failing field.
pub fn parse_input<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let reason = err.into_inner().to_string();
        let field = if path == "." {
            backticked(&reason).unwrap_or("body").to_owned()
        } else {
            path
        };
        ApiError::validation(field, reason)
    })
}

/// The first `name` in a serde message such as "unknown field `name`, expected ...".
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

fn request_id_of(request: &Request) -> String {
    if let Some(ctx) = request.lambda_context_ref()
        && !ctx.request_id.is_empty()
    {
        return ctx.request_id.clone();
    }
    let from_gateway = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.clone(),
        _ => None,
    };
    from_gateway
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| random_id(12))
}

fn respond(
    status: StatusCode,
    request_id: &str,
    code: u32,
    message: &str,
    data: Option<&Value>,
    details: Option<&Value>,
) -> Response<Body> {
    let data = data.or(details);
    let body = serde_json::to_string(&Envelope {
        code,
        message,
        data,
        request_id,
    })
    .unwrap_or_else(|_| r#"{"code":50001,"message":"internal error"}"#.to_owned());
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
        headers.insert("retry-after", HeaderValue::from_static("1"));
    }
    response
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("handler panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        let mut headers = HeaderMap::new();
        assert!(matches!(bearer_token(&headers), Err(ApiError::MissingToken)));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer_token(&headers).unwrap(), "abc");
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(matches!(bearer_token(&headers), Err(ApiError::InvalidToken)));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("abc"));
        assert!(matches!(bearer_token(&headers), Err(ApiError::InvalidToken)));
    }

    #[test]
    fn body_must_be_a_json_object() {
        assert!(parse_body(b"").unwrap().is_empty());
        assert!(matches!(parse_body(b"{oops"), Err(ApiError::InvalidJson)));
        assert!(matches!(parse_body(b"[1]"), Err(ApiError::Validation { .. })));
    }

    #[test]
    fn unknown_field_error_names_the_field() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Input {
            #[allow(dead_code)]
            code: String,
        }
        let err = parse_input::<Input>(serde_json::json!({"code": "a", "admin": true})).unwrap_err();
        assert_eq!(err.field(), Some("admin"));
        let err = parse_input::<Input>(serde_json::json!({})).unwrap_err();
        assert_eq!(err.field(), Some("code"));
        let err = parse_input::<Input>(serde_json::json!({"code": 5})).unwrap_err();
        assert_eq!(err.field(), Some("code"));
    }
}
