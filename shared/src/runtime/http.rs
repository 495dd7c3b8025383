//! The request adapter every HTTP function runs through: input merge, limits, authentication
//! (typed: a token-protected endpoint receives its verified [`Caller`] as a value), the response
//! envelope, error mapping, one access-log line per request, panic safety.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt as _;
use lambda_http::http::header::{ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use lambda_http::http::{HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt as _, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::Instrument as _;

use super::auth::Guard;
use super::config::{ConfigError, HttpConfig};
use super::error::{ApiError, Envelope};
use super::iam::OperatorRole;
pub use super::iam::iam_principal;
use super::input::{merge_input, parse_input};
use super::serve::{ColdStart, HttpFunction};
use super::startup::{Build, Startup};
use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::infra::crypto::random_id;
use crate::infra::timing::{Dependency, measure};
use crate::infra::tokens::TokenError;
use crate::runtime::limits::Limiter;

/// The longest `Authorization` header we read.
const MAX_TOKEN_BYTES: usize = 4096;

/// Who may call an endpoint, as a type: [`Public`] (anyone) or [`Caller`] (a valid access token
/// of an open session, verified before the handler's answer is used; the handler receives its
/// owner).
pub trait Authenticate: Sized + Send + Sync + 'static {
    /// What verifying needs, built once per cold start (nothing, or the session guard).
    type Verifier: Send + Sync + 'static;
    /// Whether answers are private to the caller (never stored by a cache).
    const PRIVATE: bool;

    fn verifier(startup: &Startup) -> impl Future<Output = Result<Self::Verifier, ConfigError>> + Send;

    /// Checks what needs no I/O (the token's signature and claims, the gateway's IAM identity).
    fn authenticate(verifier: &Self::Verifier, request: &Request) -> Result<Self, ApiError>;

    /// Checks what needs the table (the session is still open).
    fn confirm(&self, verifier: &Self::Verifier) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// The user a per-user limit counts, when there is one.
    fn user(&self) -> Option<&str>;

    /// Whether the handler must wait for [`Authenticate::confirm`] even on a read-only GET (the
    /// caller's roles are known only then).
    const CONFIRM_FIRST: bool = false;

    /// Records a successful state-changing request (the operators' audit log); nothing by
    /// default.
    fn audit(&self, _verifier: &Self::Verifier, _facts: &AuditFacts<'_>) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// What the audit log keeps of a request that changed something.
pub struct AuditFacts<'a> {
    /// The function's name.
    pub action: &'a str,
    /// The merged input (path, query and body).
    pub input: &'a Value,
    pub ip: &'a str,
    pub request_id: &'a str,
}

/// Whose requests an endpoint counts (see [`Limiter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    None,
    /// Per source IP address (public endpoints: login, refresh).
    PerIp(Scope),
    /// Per user (token-protected endpoints).
    PerUser(Scope),
}

/// Anyone may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Public;

impl Authenticate for Public {
    type Verifier = ();
    const PRIVATE: bool = false;

    async fn verifier(_startup: &Startup) -> Result<(), ConfigError> {
        Ok(())
    }

    fn authenticate(_verifier: &(), _request: &Request) -> Result<Self, ApiError> {
        Ok(Public)
    }

    async fn confirm(&self, _verifier: &()) -> Result<(), ApiError> {
        Ok(())
    }

    fn user(&self) -> Option<&str> {
        None
    }
}

impl Authenticate for Caller {
    type Verifier = Arc<Guard>;
    const PRIVATE: bool = true;

    async fn verifier(startup: &Startup) -> Result<Arc<Guard>, ConfigError> {
        startup.guard().await
    }

    fn authenticate(guard: &Arc<Guard>, request: &Request) -> Result<Self, ApiError> {
        Ok(guard.verify(bearer_token(request.headers())?)?)
    }

    async fn confirm(&self, guard: &Arc<Guard>) -> Result<(), ApiError> {
        Ok(guard.confirm(self).await?)
    }

    fn user(&self) -> Option<&str> {
        Some(self.openid.as_str())
    }
}

/// An operator: the request was signed with AWS IAM credentials (SigV4) and API Gateway verified
/// the signature and the caller's `execute-api:Invoke` permission before the function ran (the
/// route's authorizer is `AWS_IAM`). The function checks that the gateway did, and that the
/// principal is a session of the role named by `OPERATOR_ROLE_ARN` (none named: nobody): a
/// request without the gateway's IAM identity, or from any other principal of the account, is
/// refused, whatever token it carries. User tokens never pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The IAM principal, for the audit log.
    pub arn: String,
}

impl Authenticate for Operator {
    type Verifier = Option<OperatorRole>;
    const PRIVATE: bool = true;

    async fn verifier(startup: &Startup) -> Result<Option<OperatorRole>, ConfigError> {
        super::config::operator_role(&startup.env)
    }

    fn authenticate(role: &Option<OperatorRole>, request: &Request) -> Result<Self, ApiError> {
        if !request.headers().contains_key(AUTHORIZATION) {
            return Err(ApiError::MissingOperatorCredentials);
        }
        let arn = iam_principal(request).ok_or(ApiError::OperatorOnly)?;
        if !role.as_ref().is_some_and(|role| role.permits(&arn)) {
            tracing::warn!(security_event = "operator_refused", principal = %arn, "an IAM principal outside the operators' role");
            return Err(ApiError::OperatorOnly);
        }
        Ok(Operator { arn })
    }

    async fn confirm(&self, _role: &Option<OperatorRole>) -> Result<(), ApiError> {
        Ok(())
    }

    fn user(&self) -> Option<&str> {
        None
    }
}

/// What a handler knows about the request besides its input.
#[derive(Debug)]
pub struct Context<C> {
    pub request_id: String,
    /// [`Public`], or the verified [`Caller`].
    pub caller: C,
    headers: HeaderMap,
    source_ip: String,
}

impl<C> Context<C> {
    /// A request header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The caller's address as API Gateway saw it (`unknown` without a request context).
    pub fn source_ip(&self) -> &str {
        &self.source_ip
    }
}

/// One function: its route facts, who may call it, its typed input and output, the service it
/// calls, and its handler.
pub trait Endpoint: Send + Sync + 'static {
    /// The function's name, as in `functions/` and the logs.
    const NAME: &'static str;
    const METHOD: Method;
    /// [`Public`] or [`Caller`].
    type Auth: Authenticate;
    /// Built from the merged path parameters, query string and JSON body.
    type Input: DeserializeOwned + Send;
    type Output: Serialize + Send;
    /// What the handler calls, built once per cold start.
    type Service: Build;
    /// Whose requests are counted, and against which rate.
    const LIMIT: Limit = Limit::None;
    /// The business count one success adds to (`OrdersPlaced`), as a metric.
    const METRIC: Option<&'static str> = None;
    /// Whether a GET only reads, so its handler may run beside the session check. A GET that
    /// calls out or writes (a share code generated the first time) sets it false and waits.
    const READ_ONLY: bool = true;

    /// Headers the answer carries besides the envelope's (a session cookie).
    fn headers(_output: &Self::Output) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Handles one request: turn the input into domain types, call the service, return its result.
    fn handle(
        service: &Self::Service,
        ctx: &Context<Self::Auth>,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;
}

/// Declares an endpoint: a unit struct and its [`Endpoint`] impl, read like a route table.
///
/// ```ignore
/// endpoint! {
///     /// `GET /orders/{id}`.
///     GetOrder: GET "get-order", Caller, Checkout;
///     fn(checkout, ctx, input: OrderIdInput) -> Order {
///         checkout.get(&ctx.caller.openid, &input.order_id()?).await
///     }
/// }
/// ```
/// The body evaluates to the service's `Result`; its error (and any `?` inside) becomes an
/// [`ApiError`] through the conversions in `runtime/error.rs`.
macro_rules! endpoint {
    (
        $(#[$meta:meta])*
        $name:ident: $method:ident $function:literal, $auth:ty, $service_ty:ty $(, limit = $limit:expr)? $(, metric = $metric:literal)? $(, read_only = $read_only:literal)? $(, headers = $headers:path)?;
        fn($service:ident, $ctx:ident, $input:ident: $input_ty:ty) -> $output:ty $body:block
    ) => {
        $(#[$meta])*
        pub struct $name;

        impl $crate::runtime::http::Endpoint for $name {
            const NAME: &'static str = $function;
            const METHOD: ::lambda_http::http::Method = ::lambda_http::http::Method::$method;
            type Auth = $auth;
            type Input = $input_ty;
            type Output = $output;
            type Service = $service_ty;
            $(const LIMIT: $crate::runtime::http::Limit = $limit;)?
            $(const METRIC: Option<&'static str> = Some($metric);)?
            $(const READ_ONLY: bool = $read_only;)?
            $(
                fn headers(output: &$output) -> Vec<(&'static str, String)> {
                    $headers(output)
                }
            )?

            // The body's error may already be an `ApiError` (then `?` converts nothing).
            #[allow(clippy::needless_question_mark)]
            async fn handle(
                $service: &$service_ty,
                $ctx: &$crate::runtime::http::Context<$auth>,
                $input: $input_ty,
            ) -> Result<$output, $crate::runtime::error::ApiError> {
                Ok($body?)
            }
        }
    };
}
pub(crate) use endpoint;

/// An input with no fields; any field is rejected.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

/// Runs `E` as a Lambda function (see [`super::serve`]).
pub async fn serve<E: Endpoint>() -> Result<(), lambda_http::Error> {
    super::serve::serve_http::<Adapter<E>>().await
}

/// Wraps an [`Endpoint`] with everything every function does the same way.
pub struct Adapter<E: Endpoint> {
    service: E::Service,
    verifier: <E::Auth as Authenticate>::Verifier,
    limiter: Option<Limiter>,
    http: HttpConfig,
}

impl<E: Endpoint> ColdStart for Adapter<E> {
    const NAME: &'static str = E::NAME;

    async fn cold_start(startup: &Startup) -> Result<Self, ConfigError> {
        Self::build(startup).await
    }
}

impl<E: Endpoint> HttpFunction for Adapter<E> {
    async fn respond(&self, request: Request) -> Response<Body> {
        self.handle(request).await
    }
}

impl<E: Endpoint> Adapter<E> {
    pub async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            service: E::Service::build(startup).await?,
            verifier: E::Auth::verifier(startup).await?,
            limiter: match E::LIMIT {
                Limit::None => None,
                Limit::PerIp(_) | Limit::PerUser(_) => Some(Limiter::build(startup).await?),
            },
            http: HttpConfig::from_env(&startup.env)?,
        })
    }

    /// Turns any request into a response; never fails, never panics.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let request_id = request_id_of(&request);
        let method = request.method().clone();
        let path = request.raw_http_path().to_owned();

        let span = tracing::info_span!("request", request_id = %request_id, function = E::NAME);
        let mut extra_headers = Vec::new();
        let (outcome, spent) =
            measure(AssertUnwindSafe(self.process(&request_id, request).instrument(span)).catch_unwind())
                .await;
        let outcome = outcome
            .unwrap_or_else(|panic| Err(ApiError::internal("handling the request", panic_message(&*panic))));

        let outcome = outcome.map(|(value, headers)| {
            extra_headers = headers;
            value
        });
        let mut response = respond(&request_id, &outcome, self.private());
        for (name, value) in extra_headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(name, value);
            }
        }
        if matches!(outcome, Err(ApiError::MethodNotAllowed)) {
            allow(&mut response, std::slice::from_ref(&E::METHOD));
        }
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = response.status().as_u16();
        super::metrics::record(&super::metrics::Measured {
            function: E::NAME,
            request_id: &request_id,
            status,
            code: outcome.as_ref().map_or_else(ApiError::code, |_| 0),
            latency_ms,
            business: match (&outcome, E::METRIC) {
                (Ok(_), Some(metric)) => vec![(metric, 1.0)],
                _ => Vec::new(),
            },
        });
        // The access log line, with where the time went (see infra::timing).
        macro_rules! log_request {
            ($level:expr, $($fields:tt)*) => {
                tracing::event!(
                    $level, request_id, function = E::NAME, method = %method, path, status, latency_ms,
                    dynamodb_ms = spent.millis(Dependency::DynamoDb),
                    dynamodb_calls = spent.calls(Dependency::DynamoDb),
                    s3_ms = spent.millis(Dependency::S3),
                    wechat_ms = spent.millis(Dependency::WeChat),
                    wechatpay_ms = spent.millis(Dependency::WeChatPay),
                    $($fields)*
                )
            };
        }
        match &outcome {
            Ok(_) => log_request!(tracing::Level::INFO, code = 0, "request"),
            Err(err) if err.is_server_error() => log_request!(
                tracing::Level::ERROR,
                code = err.code(),
                error = err.cause_chain(),
                "request"
            ),
            Err(err) => log_request!(
                tracing::Level::WARN,
                code = err.code(),
                field = err.field(),
                "request"
            ),
        }
        response
    }

    /// Whether answers must never be stored by a cache: anything a caller is named in, and every
    /// answer to a method that is not GET (login and refresh answer tokens).
    fn private(&self) -> bool {
        E::Auth::PRIVATE || E::METHOD != Method::GET
    }

    async fn process(
        &self,
        request_id: &str,
        request: Request,
    ) -> Result<(Value, Vec<(&'static str, String)>), ApiError> {
        if request.method() != E::METHOD {
            return Err(ApiError::MethodNotAllowed);
        }
        let body_len = request.body().len();
        if body_len > self.http.max_body_bytes {
            return Err(ApiError::PayloadTooLarge {
                limit: self.http.max_body_bytes,
            });
        }
        let caller = E::Auth::authenticate(&self.verifier, &request)?;
        let merged = merge_input(&request)?;
        // Only a change is audited: keep its input for the record.
        let audited = (E::METHOD != Method::GET).then(|| merged.clone());
        let input: E::Input = parse_input(merged)?;
        let subject = match E::LIMIT {
            Limit::None => None,
            Limit::PerIp(scope) => Some((scope, source_ip(&request))),
            Limit::PerUser(scope) => caller.user().map(|user| (scope, user.to_owned())),
        };
        let ctx = Context {
            request_id: request_id.to_owned(),
            caller,
            headers: request.headers().clone(),
            source_ip: source_ip(&request),
        };
        // The session is checked before the request is counted: a revoked or logged-out token
        // spends nobody's budget (a round trip more, on the per-user limited routes only).
        let admit = async {
            match (&self.limiter, &subject) {
                (Some(limiter), Some((scope, subject))) => Ok(limiter.admit(*scope, subject).await?),
                _ => Ok::<(), ApiError>(()),
            }
        };
        let confirm = async {
            ctx.caller.confirm(&self.verifier).await?;
            admit.await
        };
        let handle = E::handle(&self.service, &ctx, input);
        // A GET changes nothing, so the session check runs beside the handler's own reads (one
        // round trip of latency for both); its answer is used only if the session is open. Any
        // other method, or a GET that is not read-only, waits for the check before it may act.
        let output = if E::METHOD == Method::GET && E::READ_ONLY && !E::Auth::CONFIRM_FIRST {
            let (confirmed, output) = tokio::join!(confirm, handle);
            confirmed?;
            output?
        } else {
            confirm.await?;
            handle.await?
        };
        if let Some(input) = &audited {
            let facts = AuditFacts {
                action: E::NAME,
                input,
                ip: &ctx.source_ip,
                request_id,
            };
            ctx.caller.audit(&self.verifier, &facts).await;
        }
        let headers = E::headers(&output);
        let value =
            serde_json::to_value(output).map_err(|e| ApiError::internal("serialising the response", e))?;
        Ok((value, headers))
    }
}

/// RFC 9110: a 405 names the method the resource supports (each function serves one).
pub(crate) fn allow(response: &mut Response<Body>, methods: &[Method]) {
    let names: Vec<&str> = methods.iter().map(Method::as_str).collect();
    if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
        response.headers_mut().insert(ALLOW, value);
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Result<&str, TokenError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(TokenError::Missing);
    };
    if value.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Invalid);
    }
    let value = value.to_str().map_err(|_| TokenError::Invalid)?.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::Missing);
    }
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(TokenError::Invalid),
    }
}

/// The caller's address as API Gateway saw it (`unknown` when the event has none, e.g. a local
/// invoke without a request context).
fn source_ip(request: &Request) -> String {
    let ip = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        _ => None,
    };
    ip.filter(|ip| !ip.is_empty() && ip.len() <= 64)
        .unwrap_or_else(|| "unknown".to_owned())
}

pub(crate) fn request_id_of(request: &Request) -> String {
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

/// The envelope of `outcome`, with its status and headers.
fn respond(request_id: &str, outcome: &Result<Value, ApiError>, private: bool) -> Response<Body> {
    let (status, body) = match outcome {
        Ok(data) => (
            StatusCode::OK,
            serde_json::to_string(&Envelope {
                code: 0,
                message: "ok",
                data: Some(data),
                request_id,
            }),
        ),
        Err(err) => (
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            serde_json::to_string(&Envelope {
                code: err.code(),
                message: &err.to_string(),
                data: err.details(),
                request_id,
            }),
        ),
    };
    let body = body.unwrap_or_else(|_| r#"{"code":50001,"message":"internal error"}"#.to_owned());
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
    if private {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(retry_after) = outcome.as_ref().err().and_then(ApiError::retry_after) {
        headers.insert(RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
    }
    response
}

/// The text of a caught panic, for the log.
pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
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
    fn a_panic_message_is_read_from_the_payload_not_its_box() {
        let payload = std::panic::catch_unwind(|| panic!("the handler blew up")).unwrap_err();
        assert_eq!(panic_message(&*payload), "handler panicked: the handler blew up");
        let formatted = std::panic::catch_unwind(|| panic!("{} items", 3)).unwrap_err();
        assert_eq!(panic_message(&*formatted), "handler panicked: 3 items");
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        let mut headers = HeaderMap::new();
        assert!(matches!(bearer_token(&headers), Err(TokenError::Missing)));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer_token(&headers).unwrap(), "abc");
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(matches!(bearer_token(&headers), Err(TokenError::Invalid)));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("abc"));
        assert!(matches!(bearer_token(&headers), Err(TokenError::Invalid)));
    }
}
