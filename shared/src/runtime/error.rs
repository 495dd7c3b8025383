//! The one place where errors become responses: [`ApiError`], the wire error of every function
//! (each variant says what the client should do, maps to a stable five-digit code, HTTP status
//! x 100 + n, and keeps its cause for the log), and the conversions from each layer's own errors,
//! which write the JSON `details` a client can act on.

use std::error::Error as StdError;
use std::fmt::Write as _;

use serde::Serialize;

use super::auth::AuthError;
use super::limits::LimitError;
pub use crate::infra::BoxError;
use crate::infra::access_token::AccessTokenError;
use crate::infra::storage::StorageError;
use crate::infra::tokens::TokenError;
use crate::infra::wechat::WeChatError;

/// Every failure a function can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("request body is not valid JSON")]
    InvalidJson,
    #[error("validation failed: {field}: {reason}")]
    Validation { field: String, reason: String },
    #[error("the pagination cursor is invalid")]
    InvalidCursor,
    #[error("the Idempotency-Key header is missing or malformed (8-64 characters of A-Z a-z 0-9 _ -)")]
    InvalidIdempotencyKey,
    #[error("{message}")]
    ProductsUnavailable {
        message: String,
        details: serde_json::Value,
    },
    #[error("the WeChat login code is invalid; call wx.login() again")]
    WeChatCodeInvalid,
    #[error("the WeChat login code was already used; call wx.login() again")]
    WeChatCodeUsed,
    #[error(
        "the phone number code is invalid, expired or already used; ask the user to tap the button again"
    )]
    PhoneCodeInvalid,
    #[error(
        "{field}: the text did not pass WeChat's content check; choose another (内容含有违规信息，请修改后重试)"
    )]
    ContentRefused { field: &'static str },
    #[error("an access token is required (Authorization: Bearer <token>)")]
    MissingToken,
    #[error("the access token is invalid")]
    InvalidToken,
    #[error("the access token has expired")]
    ExpiredToken,
    #[error("the refresh token has expired; call wx.login() and log in again")]
    RefreshExpired,
    #[error("the session has ended; call wx.login() and log in again")]
    SessionRevoked,
    #[error("the refresh token is invalid; call wx.login() and log in again")]
    InvalidRefreshToken,
    #[error("the refresh token was already used, so the session has ended; call wx.login() and log in again")]
    RefreshTokenReused,
    #[error("WeChat has blocked this user for risk control")]
    WeChatUserBlocked,
    #[error("this route is for operators: sign the request with AWS IAM credentials (SigV4)")]
    OperatorOnly,
    #[error("operator credentials are required: sign the request with AWS IAM credentials (SigV4)")]
    MissingOperatorCredentials,
    #[error("sign in to the console (请登录管理后台)")]
    ConsoleSignInRequired,
    #[error("the e-mail address, password or code is wrong (邮箱、密码或验证码错误)")]
    SignInRefused,
    #[error("your role may not do this (当前角色无此权限)")]
    RoleForbidden,
    #[error(
        "the request did not come from the console: the X-CSRF-Token header or the Origin is missing or wrong"
    )]
    CsrfRefused,
    #[error("change your initial password first (请先修改初始密码)")]
    PasswordChangeRequired,
    #[error("too many failed sign-ins: try again in {} s (登录失败次数过多，请稍后再试)", .retry_after.as_secs())]
    SignInHeld { retry_after: std::time::Duration },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict {
        code: Conflict,
        message: String,
        details: Option<serde_json::Value>,
    },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("too many requests; retry later")]
    RateLimited,
    #[error("too many requests from you; retry in {} s", .retry_after.as_secs())]
    TooManyRequests { retry_after: std::time::Duration },
    #[error("temporarily blocked after too many requests; retry in {} s", .retry_after.as_secs())]
    Banned { retry_after: std::time::Duration },
    #[error("internal error")]
    Internal {
        context: String,
        #[source]
        source: BoxError,
    },
    #[error("WeChat is unavailable; retry later")]
    WeChatUnavailable {
        context: String,
        #[source]
        source: BoxError,
    },
    #[error("WeChat Pay is unavailable; retry later")]
    PayUnavailable {
        context: String,
        #[source]
        source: BoxError,
    },
    #[error("storage is unavailable; retry later")]
    StorageUnavailable {
        context: String,
        #[source]
        source: BoxError,
    },
}

/// The 409 cases, each with its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    OutOfStock,
    PriceChanged,
    IdempotencyKeyReused,
    OrderNotCancellable,
    HoldingLimit,
    StorageQuota,
    OrderNotPayable,
    OrderNotRefundable,
    OrderNotShippable,
    AfterSalesNotAllowed,
    OperatorExists,
    StockTooLow,
    ImagesNotServed,
}

impl ApiError {
    /// A validation failure of one field.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An unexpected failure, with what we were doing when it happened.
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal {
            context: context.into(),
            source: source.into(),
        }
    }

    pub fn conflict(code: Conflict, message: impl Into<String>, details: Option<serde_json::Value>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
            details,
        }
    }

    /// The stable five-digit code: HTTP status x 100 + n. Listed in `docs/errors.md`.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidJson => 40001,
            Self::Validation { .. } => 40002,
            Self::InvalidCursor => 40003,
            Self::InvalidIdempotencyKey => 40004,
            Self::ProductsUnavailable { .. } => 40005,
            Self::WeChatCodeInvalid => 40010,
            Self::WeChatCodeUsed => 40011,
            Self::PhoneCodeInvalid => 40012,
            Self::ContentRefused { .. } => 40013,
            Self::MissingToken => 40101,
            Self::InvalidToken => 40102,
            Self::ExpiredToken => 40103,
            Self::RefreshExpired => 40104,
            Self::SessionRevoked => 40105,
            Self::InvalidRefreshToken => 40106,
            Self::RefreshTokenReused => 40107,
            Self::MissingOperatorCredentials => 40108,
            Self::ConsoleSignInRequired => 40109,
            Self::SignInRefused => 40110,
            Self::WeChatUserBlocked => 40301,
            Self::OperatorOnly => 40302,
            Self::RoleForbidden => 40303,
            Self::CsrfRefused => 40304,
            Self::PasswordChangeRequired => 40305,
            Self::NotFound(_) => 40401,
            Self::MethodNotAllowed => 40501,
            Self::Conflict { code, .. } => match code {
                Conflict::OutOfStock => 40901,
                Conflict::PriceChanged => 40902,
                Conflict::IdempotencyKeyReused => 40903,
                Conflict::OrderNotCancellable => 40904,
                Conflict::HoldingLimit => 40905,
                Conflict::StorageQuota => 40906,
                Conflict::OrderNotPayable => 40907,
                Conflict::OrderNotRefundable => 40908,
                Conflict::OrderNotShippable => 40909,
                Conflict::AfterSalesNotAllowed => 40910,
                Conflict::OperatorExists => 40911,
                Conflict::StockTooLow => 40912,
                Conflict::ImagesNotServed => 40913,
            },
            Self::PayloadTooLarge { .. } => 41301,
            Self::RateLimited => 42901,
            Self::TooManyRequests { .. } => 42902,
            Self::Banned { .. } => 42903,
            Self::SignInHeld { .. } => 42904,
            Self::Internal { .. } => 50001,
            Self::WeChatUnavailable { .. } => 50301,
            Self::StorageUnavailable { .. } => 50302,
            Self::PayUnavailable { .. } => 50303,
        }
    }

    /// The HTTP status, derived from the code so the two can never disagree.
    pub fn status(&self) -> u16 {
        (self.code() / 100) as u16
    }

    /// How long the client should wait before trying again (`Retry-After`), for 429s and 503s.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::TooManyRequests { retry_after }
            | Self::Banned { retry_after }
            | Self::SignInHeld { retry_after } => Some(*retry_after),
            _ if self.status() == 429 || self.status() == 503 => Some(std::time::Duration::from_secs(1)),
            _ => None,
        }
    }

    /// Whether this is the server's fault (logged with its cause chain).
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500
    }

    /// The field a validation error is about, for the log.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => Some(field),
            Self::ContentRefused { field } => Some(field),
            _ => None,
        }
    }

    /// Extra data a client can act on (the failing products, the current total).
    pub fn details(&self) -> Option<&serde_json::Value> {
        match self {
            Self::Conflict { details, .. } => details.as_ref(),
            Self::ProductsUnavailable { details, .. } => Some(details),
            _ => None,
        }
    }

    /// The whole cause chain, for the log line of a 5xx. Never sent to the client.
    pub fn cause_chain(&self) -> String {
        let mut out = String::new();
        if let Self::Internal { context, .. }
        | Self::WeChatUnavailable { context, .. }
        | Self::PayUnavailable { context, .. }
        | Self::StorageUnavailable { context, .. } = self
        {
            out.push_str(context);
        }
        let mut source = self.source();
        while let Some(cause) = source {
            if !out.is_empty() {
                out.push_str(": ");
            }
            let _ = write!(out, "{cause}");
            source = cause.source();
        }
        out
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Unavailable { context, source } => Self::StorageUnavailable { context, source },
            StorageError::InvalidCursor => Self::InvalidCursor,
            err @ (StorageError::Failed { .. } | StorageError::Corrupt(_)) => {
                Self::internal("using storage", err)
            }
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Missing => Self::MissingToken,
            TokenError::Invalid => Self::InvalidToken,
            TokenError::Expired => Self::ExpiredToken,
            err @ TokenError::Signing(_) => Self::internal("issuing tokens", err),
        }
    }
}

impl From<WeChatError> for ApiError {
    fn from(err: WeChatError) -> Self {
        match err {
            WeChatError::CodeInvalid => Self::WeChatCodeInvalid,
            WeChatError::CodeUsed => Self::WeChatCodeUsed,
            WeChatError::UserBlocked => Self::WeChatUserBlocked,
            WeChatError::RateLimited => Self::RateLimited,
            // A token still refused after one refresh and one retry: WeChat is not itself.
            err @ (WeChatError::Unavailable { .. } | WeChatError::TokenRejected(_)) => {
                Self::WeChatUnavailable {
                    context: "calling WeChat".into(),
                    source: Box::new(err),
                }
            }
            err
            @ (WeChatError::Unexpected { .. } | WeChatError::NoSecret(_) | WeChatError::NotSubscribed) => {
                Self::internal("calling WeChat", err)
            }
        }
    }
}

impl From<AccessTokenError> for ApiError {
    fn from(err: AccessTokenError) -> Self {
        match err {
            AccessTokenError::WeChat(err) => err.into(),
            AccessTokenError::Storage(err) => err.into(),
            err @ (AccessTokenError::Busy | AccessTokenError::NotReady) => Self::WeChatUnavailable {
                context: "getting the WeChat access token".into(),
                source: Box::new(err),
            },
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Token(err) => err.into(),
            AuthError::Revoked => Self::SessionRevoked,
            AuthError::Storage(err) => err.into(),
        }
    }
}

impl From<LimitError> for ApiError {
    fn from(err: LimitError) -> Self {
        match err {
            LimitError::Limited { retry_after, .. } => Self::TooManyRequests { retry_after },
            LimitError::Banned { retry_after, .. } => Self::Banned { retry_after },
            LimitError::Storage(err) => err.into(),
        }
    }
}

/// `err` and every cause under it, for a log line. Never sent to a client.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let _ = write!(out, ": {cause}");
        source = cause.source();
    }
    out
}

/// The response envelope: `{"code":0,"message":"ok","data":...,"requestId":"..."}` on success,
/// `{"code":NNNNN,"message":"...","requestId":"..."}` on error.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<'a, T: Serialize> {
    pub code: u32,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    pub request_id: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_five_digits_and_matches_its_status() {
        let samples = [
            ApiError::InvalidJson,
            ApiError::validation("code", "required"),
            ApiError::MissingToken,
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::RateLimited,
            ApiError::conflict(Conflict::OutOfStock, "x", None),
            ApiError::internal("ctx", "boom"),
        ];
        for err in samples {
            let code = err.code();
            assert!((10000..100000).contains(&code), "{code}");
            assert_eq!(u32::from(err.status()), code / 100);
        }
    }

    #[test]
    fn storage_that_is_down_is_a_503_and_a_bad_item_a_500() {
        let down = ApiError::from(StorageError::unavailable("reading", "throttled"));
        assert_eq!(down.code(), 50302);
        let corrupt = ApiError::from(StorageError::Corrupt("attribute `x`".into()));
        assert_eq!(corrupt.code(), 50001);
        assert!(corrupt.cause_chain().contains("attribute `x`"));
    }

    #[test]
    fn internal_error_message_hides_the_cause_but_the_chain_keeps_it() {
        let err = ApiError::internal("loading user", "connection reset");
        assert_eq!(err.to_string(), "internal error");
        assert_eq!(err.cause_chain(), "loading user: connection reset");
    }
}

#[cfg(test)]
mod docs_tests {
    /// Every code in this file is documented in `docs/errors.md`, so the two cannot drift.
    #[test]
    fn every_error_code_is_documented() {
        let source = include_str!("error.rs");
        let docs = include_str!("../../../docs/errors.md");
        let codes: Vec<&str> = source
            .split("=> ")
            .skip(1)
            .filter_map(|rest| rest.get(..5))
            .filter(|code| code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0'))
            .collect();
        assert!(codes.len() >= 20, "found only {codes:?}");
        for code in codes {
            assert!(
                docs.contains(&format!("| {code} |")),
                "error code {code} is missing from docs/errors.md"
            );
        }
    }
}
