//! Operators as callers of `/admin/` routes: the console session cookie, checked against the
//! table on every request (the account still there, its role, its credentials, the session's
//! idle and absolute ends), the CSRF token and the Origin of every state-changing request, and
//! the roles the operation allows. A WeChat user's access token never passes. On a route whose
//! gateway authorizer is AWS IAM (the machine-to-machine ship route), the verified IAM principal
//! passes instead.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use lambda_http::Request;
use lambda_http::http::header::{COOKIE, ORIGIN};
use lambda_http::http::{HeaderValue, Method};

use super::config::{ConfigError, vars};
use super::error::ApiError;
use super::http::{AuditFacts, Authenticate, iam_principal};
use super::startup::Startup;
use crate::domain::operators::{
    AuditRecord, ConsoleSession, Operator, Roles, SESSION_ABSOLUTE, audit_changes,
};
use crate::domain::time::Clock;
use crate::infra::crypto::sha256_hex;
use crate::infra::store::Store;

/// The session cookie's name over plain http (local development only).
pub const COOKIE_NAME: &str = "wxs_console";
/// Its name over https: the `__Host-` prefix pins it to the exact host, path `/`, Secure.
pub const SECURE_COOKIE_NAME: &str = "__Host-wxs_console";
/// The header every state-changing request carries the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The longest cookie value read: an operator id, a dot and a 43-character secret.
const MAX_COOKIE_VALUE: usize = 128;

/// What checking console sessions needs, built once per process.
pub struct StaffGuard {
    store: Store,
    clock: Clock,
    origins: ConsoleOrigins,
}

impl StaffGuard {
    pub fn new(store: Store, clock: Clock, origins: ConsoleOrigins) -> Self {
        Self {
            store,
            clock,
            origins,
        }
    }

    pub async fn build(startup: &Startup) -> Result<Arc<Self>, ConfigError> {
        Ok(Arc::new(Self::new(
            startup.store(),
            startup.clock(),
            ConsoleOrigins::from_env(&startup.env)?,
        )))
    }

    pub fn origins(&self) -> &ConsoleOrigins {
        &self.origins
    }
}

/// The origins the console is served from (`CONSOLE_ORIGINS`, comma-separated): the only ones
/// a state-changing request may come from.
#[derive(Debug, Clone)]
pub struct ConsoleOrigins(Vec<String>);

impl ConsoleOrigins {
    pub fn parse(text: &str) -> Result<Self, String> {
        let origins: Vec<String> = text
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        if origins.is_empty() {
            return Err("name at least one origin, such as https://shop.example.com".into());
        }
        for origin in &origins {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .ok_or_else(|| format!("{origin}: an origin starts with https:// (or http:// locally)"))?;
            if rest.is_empty() || rest.contains('/') {
                return Err(format!(
                    "{origin}: an origin is a scheme and a host, with no path"
                ));
            }
        }
        Ok(Self(origins))
    }

    pub fn from_env(env: &super::config::Env) -> Result<Self, ConfigError> {
        Self::parse(env.required(vars::CONSOLE_ORIGINS)?).map_err(|reason| ConfigError::Invalid {
            name: vars::CONSOLE_ORIGINS,
            reason,
        })
    }

    /// Whether `origin` is one of ours.
    pub fn contains(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }

    /// The request's `Origin`, when it is one of ours.
    pub fn allowed<'a>(&self, request: &'a Request) -> Option<&'a str> {
        let origin = request.headers().get(ORIGIN)?.to_str().ok()?;
        self.0.iter().any(|o| o == origin).then_some(origin)
    }
}

/// The `Set-Cookie` that opens a console session for `origin` (Secure and `__Host-` over https).
pub fn session_cookie(origin: &str, operator_id: &str, secret: &str) -> String {
    let (name, secure) = cookie_flavour(origin);
    format!(
        "{name}={operator_id}.{secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_ABSOLUTE.as_secs()
    )
}

/// The `Set-Cookie` that removes it.
pub fn expired_cookie(origin: &str) -> String {
    let (name, secure) = cookie_flavour(origin);
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

fn cookie_flavour(origin: &str) -> (&'static str, &'static str) {
    if origin.starts_with("https://") {
        (SECURE_COOKIE_NAME, "; Secure")
    } else {
        (COOKIE_NAME, "")
    }
}

/// The operator id and secret of the request's session cookie, if it has a well-formed one.
pub fn session_of(request: &Request) -> Option<(String, String)> {
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SECURE_COOKIE_NAME || *name == COOKIE_NAME)
        .map(|(_, value)| value)
        .find(|value| value.len() <= MAX_COOKIE_VALUE)
        .and_then(|value| value.split_once('.'))
        .filter(|(id, secret)| is_token(id) && is_token(secret))
        .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Who called, once confirmed.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in operator, and the session they called with.
    Operator(Box<Operator>, ConsoleSession),
    /// A machine, by the IAM principal the gateway verified (the ship route).
    Machine(String),
}

/// A caller allowed by the roles `R`: a signed-in operator of one of them (or, on an IAM route,
/// the verified IAM principal). The handler reads who it is from [`Staff::principal`].
pub struct Staff<R: Roles> {
    claim: Claim,
    confirmed: OnceLock<Principal>,
    roles: PhantomData<R>,
}

enum Claim {
    Session {
        operator_id: String,
        secret_hash: String,
        /// The request changes state: it must carry the session's CSRF token.
        csrf: Option<Option<String>>,
    },
    Machine(String),
}

impl<R: Roles> std::fmt::Debug for Staff<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staff")
            .field("principal", &self.confirmed.get())
            .finish_non_exhaustive()
    }
}

impl<R: Roles> Staff<R> {
    /// Who called: known once the session was confirmed, which happens before the handler runs.
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        self.confirmed
            .get()
            .ok_or_else(|| ApiError::internal("reading the operator", "the session was not confirmed"))
    }

    /// The signed-in operator (a machine caller is not one).
    pub fn operator(&self) -> Result<&Operator, ApiError> {
        match self.principal()? {
            Principal::Operator(operator, _) => Ok(operator),
            Principal::Machine(_) => Err(ApiError::ConsoleSignInRequired),
        }
    }

    /// The console session the operator called with.
    pub fn session(&self) -> Result<&ConsoleSession, ApiError> {
        match self.principal()? {
            Principal::Operator(_, session) => Ok(session),
            Principal::Machine(_) => Err(ApiError::ConsoleSignInRequired),
        }
    }

    /// The SHA-256 of the session's secret (to end or keep this very session).
    pub fn session_hash(&self) -> Option<&str> {
        match &self.claim {
            Claim::Session { secret_hash, .. } => Some(secret_hash),
            Claim::Machine(_) => None,
        }
    }

    /// Who it is, for a log line.
    pub fn name(&self) -> String {
        match self.confirmed.get() {
            Some(Principal::Operator(operator, _)) => format!("{} ({})", operator.id, operator.role),
            Some(Principal::Machine(arn)) => arn.clone(),
            None => "unconfirmed".into(),
        }
    }
}

impl<R: Roles> Authenticate for Staff<R> {
    type Verifier = Arc<StaffGuard>;
    const PRIVATE: bool = true;
    const CONFIRM_FIRST: bool = true;

    async fn verifier(startup: &Startup) -> Result<Arc<StaffGuard>, ConfigError> {
        StaffGuard::build(startup).await
    }

    fn authenticate(guard: &Arc<StaffGuard>, request: &Request) -> Result<Self, ApiError> {
        let claim = if let Some(arn) = iam_principal(request) {
            Claim::Machine(arn)
        } else {
            let (operator_id, secret) = session_of(request).ok_or(ApiError::ConsoleSignInRequired)?;
            let mutating = !matches!(*request.method(), Method::GET | Method::HEAD);
            if mutating && guard.origins.allowed(request).is_none() {
                return Err(ApiError::CsrfRefused);
            }
            let csrf = mutating.then(|| {
                request
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_owned)
            });
            Claim::Session {
                operator_id,
                secret_hash: sha256_hex(secret.as_bytes()),
                csrf,
            }
        };
        Ok(Self {
            claim,
            confirmed: OnceLock::new(),
            roles: PhantomData,
        })
    }

    async fn confirm(&self, guard: &Arc<StaffGuard>) -> Result<(), ApiError> {
        let principal = match &self.claim {
            Claim::Machine(arn) => Principal::Machine(arn.clone()),
            Claim::Session {
                operator_id,
                secret_hash,
                csrf,
            } => {
                let now = guard.clock.now();
                let (operator, session) = guard.store.operator_and_session(operator_id, secret_hash).await?;
                let (Some(operator), Some(session)) = (operator, session) else {
                    return Err(ApiError::ConsoleSignInRequired);
                };
                if !session.is_live(now, operator.credentials) {
                    return Err(ApiError::ConsoleSignInRequired);
                }
                if let Some(sent) = csrf
                    && !same_token(&session, sent.as_deref())
                {
                    return Err(ApiError::CsrfRefused);
                }
                if operator.must_change_password && !R::BEFORE_PASSWORD_CHANGE {
                    return Err(ApiError::PasswordChangeRequired);
                }
                if !R::ALLOWED.contains(&operator.role) {
                    return Err(ApiError::RoleForbidden);
                }
                if session.needs_touch(now) {
                    guard
                        .store
                        .touch_console_session(operator_id, secret_hash, now)
                        .await?;
                }
                Principal::Operator(Box::new(operator), session)
            }
        };
        let _ = self.confirmed.set(principal);
        Ok(())
    }

    fn user(&self) -> Option<&str> {
        match &self.claim {
            Claim::Session { operator_id, .. } => Some(operator_id),
            Claim::Machine(arn) => Some(arn),
        }
    }

    async fn audit(&self, guard: &Arc<StaffGuard>, facts: &AuditFacts<'_>) {
        let Some(Principal::Operator(operator, _)) = self.confirmed.get() else {
            return;
        };
        let record = AuditRecord {
            at: guard.clock.now(),
            operator_id: operator.id.clone(),
            email: operator.email.to_string(),
            role: operator.role,
            action: facts.action.to_owned(),
            target: facts
                .input
                .get("id")
                .and_then(|id| id.as_str())
                .map(|id| id.chars().take(64).collect()),
            changes: audit_changes(facts.input),
            ip: facts.ip.to_owned(),
            request_id: facts.request_id.to_owned(),
        };
        if let Err(err) = guard.store.append_audit(&record).await {
            tracing::error!(error = %err, action = facts.action, "the audit record was not written");
        }
    }
}

fn same_token(session: &ConsoleSession, sent: Option<&str>) -> bool {
    sent.is_some_and(|sent| {
        aws_lc_rs::constant_time::verify_slices_are_equal(sent.as_bytes(), session.csrf_token.as_bytes())
            .is_ok()
    })
}
