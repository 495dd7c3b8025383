//! The one error type of every function: each variant says what the client should do,
//! maps to a stable five-digit code (HTTP status x 100 + n) and keeps its cause for the log.

use std::error::Error as StdError;
use std::fmt::Write as _;

use serde::Serialize;

/// A boxed cause kept for the log, never shown to the client.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

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
    #[error("an access token is required (Authorization: Bearer <token>)")]
    MissingToken,
    #[error("the access token is invalid")]
    InvalidToken,
    #[error("the access token has expired")]
    ExpiredToken,
    #[error("WeChat has blocked this user for risk control")]
    WeChatUserBlocked,
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
            Self::MissingToken => 40101,
            Self::InvalidToken => 40102,
            Self::ExpiredToken => 40103,
            Self::WeChatUserBlocked => 40301,
            Self::NotFound(_) => 40401,
            Self::MethodNotAllowed => 40501,
            Self::Conflict { code, .. } => match code {
                Conflict::OutOfStock => 40901,
                Conflict::PriceChanged => 40902,
                Conflict::IdempotencyKeyReused => 40903,
                Conflict::OrderNotCancellable => 40904,
            },
            Self::PayloadTooLarge { .. } => 41301,
            Self::RateLimited => 42901,
            Self::Internal { .. } => 50001,
            Self::WeChatUnavailable { .. } => 50301,
            Self::StorageUnavailable { .. } => 50302,
        }
    }

    /// The HTTP status, derived from the code so the two can never disagree.
    pub fn status(&self) -> u16 {
        (self.code() / 100) as u16
    }

    /// Whether this is the server's fault (logged with its cause chain).
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500
    }

    /// The field a validation error is about, for the log.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => Some(field),
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
        let docs = include_str!("../../docs/errors.md");
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
