//! The one place where errors become responses: [`ApiError`], the wire error of every function
//! (each variant says what the client should do, maps to a stable five-digit code, HTTP status
//! x 100 + n, and keeps its cause for the log), and the conversions from each layer's own errors,
//! which write the JSON `details` a client can act on.

use std::error::Error as StdError;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

use crate::domain::orders::OrderError;
use crate::domain::orders::{OrderStatus, PayRefusal, ShipRefusal};
use crate::domain::uploads::UploadError;
pub use crate::infra::BoxError;
use crate::infra::access_token::AccessTokenError;
use crate::infra::storage::StorageError;
use crate::infra::tokens::TokenError;
use crate::infra::wechat::WeChatError;
use crate::infra::wechatpay::client::PayError;
use crate::services::catalog::CatalogError;
use crate::services::checkout::CheckoutError;
use crate::services::files::FileError;
use crate::services::limits::LimitError;
use crate::services::login::LoginError;
use crate::services::notices::SubscriptionError;
use crate::services::payment::{PaymentError, RefundError};
use crate::services::profile::{PhoneError, ProfileError};
use crate::services::session::SessionError;
use crate::services::share::ShareCodeError;
use crate::services::shipping::ShippingError;

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
            Self::WeChatUserBlocked => 40301,
            Self::OperatorOnly => 40302,
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
            },
            Self::PayloadTooLarge { .. } => 41301,
            Self::RateLimited => 42901,
            Self::TooManyRequests { .. } => 42902,
            Self::Banned { .. } => 42903,
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
            Self::TooManyRequests { retry_after } | Self::Banned { retry_after } => Some(*retry_after),
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

impl From<ShareCodeError> for ApiError {
    fn from(err: ShareCodeError) -> Self {
        match err {
            ShareCodeError::NotFound => Self::NotFound("product"),
            err @ ShareCodeError::IdTooLong => Self::validation("id", err.to_string()),
            ShareCodeError::WeChat(AccessTokenError::Storage(err)) | ShareCodeError::Storage(err) => {
                err.into()
            }
            ShareCodeError::WeChat(AccessTokenError::WeChat(WeChatError::RateLimited)) => Self::RateLimited,
            err @ ShareCodeError::WeChat(AccessTokenError::WeChat(WeChatError::Unexpected { .. })) => {
                Self::internal("generating the share code", err)
            }
            err @ ShareCodeError::WeChat(_) => Self::WeChatUnavailable {
                context: "generating the share code".into(),
                source: Box::new(err),
            },
            ShareCodeError::Files(err) => err.into(),
        }
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(err: SubscriptionError) -> Self {
        match err {
            SubscriptionError::Invalid(reason) => Self::validation("accepted", reason),
            SubscriptionError::Storage(err) => err.into(),
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

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::CodeRejected => Self::WeChatCodeInvalid,
            LoginError::CodeUsed => Self::WeChatCodeUsed,
            LoginError::UserBlocked => Self::WeChatUserBlocked,
            LoginError::Throttled => Self::RateLimited,
            LoginError::WeChat(err) => err.into(),
            LoginError::Token(err) => err.into(),
            LoginError::Files(err) => err.into(),
            LoginError::Storage(err) => err.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::Token(err) => err.into(),
            SessionError::Revoked => Self::SessionRevoked,
            SessionError::RefreshExpired => Self::RefreshExpired,
            SessionError::RefreshInvalid => Self::InvalidRefreshToken,
            SessionError::RefreshReused => Self::RefreshTokenReused,
            // The session is fine but the profile is gone: the user has to start over.
            SessionError::UserGone => Self::SessionRevoked,
            SessionError::Limited(err) => err.into(),
            SessionError::Files(err) => err.into(),
            SessionError::Storage(err) => err.into(),
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

impl From<PaymentError> for ApiError {
    fn from(err: PaymentError) -> Self {
        match err {
            PaymentError::NotFound => Self::NotFound("order"),
            PaymentError::NotPayable(refusal) => {
                let status = match refusal {
                    PayRefusal::NotPending(status) => status.as_str(),
                    PayRefusal::Expired => "EXPIRED",
                };
                Self::conflict(
                    Conflict::OrderNotPayable,
                    refusal.to_string(),
                    Some(json!({ "status": status })),
                )
            }
            PaymentError::Pay(err @ PayError::Unavailable { .. }) => Self::PayUnavailable {
                context: "calling WeChat Pay".into(),
                source: Box::new(err),
            },
            PaymentError::Pay(err) => Self::internal("calling WeChat Pay", err),
            PaymentError::Storage(err) => err.into(),
        }
    }
}

impl From<RefundError> for ApiError {
    fn from(err: RefundError) -> Self {
        match err {
            RefundError::NotFound => Self::NotFound("order"),
            RefundError::NotRefundable(refusal) => Self::conflict(
                Conflict::OrderNotRefundable,
                refusal.to_string(),
                Some(json!({ "status": refusal.0.as_str() })),
            ),
            RefundError::Pay(err @ PayError::Unavailable { .. }) => Self::PayUnavailable {
                context: "calling WeChat Pay".into(),
                source: Box::new(err),
            },
            RefundError::Pay(err) => Self::internal("calling WeChat Pay", err),
            RefundError::Storage(err) => err.into(),
        }
    }
}

impl From<PhoneError> for ApiError {
    fn from(err: PhoneError) -> Self {
        match err {
            PhoneError::CodeRejected => Self::PhoneCodeInvalid,
            PhoneError::NotFound => Self::NotFound("user"),
            err @ PhoneError::WeChat(AccessTokenError::Storage(_)) => Self::StorageUnavailable {
                context: "binding the phone number".into(),
                source: Box::new(err),
            },
            PhoneError::WeChat(AccessTokenError::WeChat(WeChatError::RateLimited)) => Self::RateLimited,
            err @ PhoneError::WeChat(_) => Self::WeChatUnavailable {
                context: "binding the phone number".into(),
                source: Box::new(err),
            },
            PhoneError::Storage(err) => err.into(),
        }
    }
}

impl From<ShippingError> for ApiError {
    fn from(err: ShippingError) -> Self {
        match err {
            ShippingError::NotFound => Self::NotFound("order"),
            ShippingError::Refused(refusal) => {
                let details = match &refusal {
                    ShipRefusal::NotPaid(status) => json!({ "status": status.as_str() }),
                    ShipRefusal::ShippedOtherwise { carrier, tracking_no } => json!({
                        "status": OrderStatus::Shipped.as_str(),
                        "carrier": carrier.as_str(),
                        "trackingNo": tracking_no.as_str(),
                    }),
                };
                Self::conflict(Conflict::OrderNotShippable, refusal.to_string(), Some(details))
            }
            err @ ShippingError::NotReported(AccessTokenError::Storage(_)) => Self::StorageUnavailable {
                context: "reporting the shipment".into(),
                source: Box::new(err),
            },
            err @ ShippingError::NotReported(_) => Self::WeChatUnavailable {
                context: "reporting the shipment".into(),
                source: Box::new(err),
            },
            ShippingError::Storage(err) => err.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> Self {
        match err {
            CatalogError::NotFound => Self::NotFound("product"),
            CatalogError::Storage(err) => err.into(),
        }
    }
}

impl From<OrderError> for ApiError {
    fn from(err: OrderError) -> Self {
        let message = err.to_string();
        match err {
            OrderError::Invalid { field, reason } => Self::validation(field, reason),
            OrderError::ProductsUnavailable { shortages } => Self::ProductsUnavailable {
                message,
                details: json!({ "products": shortages }),
            },
            OrderError::OutOfStock { shortages } => Self::conflict(
                Conflict::OutOfStock,
                message,
                Some(json!({ "products": shortages })),
            ),
            OrderError::PriceChanged { total_fen, .. } => Self::conflict(
                Conflict::PriceChanged,
                message,
                Some(json!({ "totalFen": total_fen })),
            ),
            OrderError::HoldingLimit { holdings, limits } => {
                let products: Vec<_> = holdings
                    .units
                    .iter()
                    .map(|(id, held)| json!({ "productId": id, "pendingUnits": held }))
                    .collect();
                Self::conflict(
                    Conflict::HoldingLimit,
                    message,
                    Some(json!({
                        "pendingOrders": holdings.pending_orders,
                        "maxPendingOrders": limits.max_pending_orders,
                        "maxUnitsPerProduct": limits.max_units_per_product,
                        "products": products,
                    })),
                )
            }
            err @ OrderError::TotalOverflow => Self::internal("pricing the order", err),
        }
    }
}

impl From<CheckoutError> for ApiError {
    fn from(err: CheckoutError) -> Self {
        match err {
            CheckoutError::Order(err) => err.into(),
            CheckoutError::InvalidIdempotencyKey => Self::InvalidIdempotencyKey,
            CheckoutError::IdempotencyKeyReused => Self::conflict(
                Conflict::IdempotencyKeyReused,
                "this Idempotency-Key was already used for a different order; use a new key",
                None,
            ),
            CheckoutError::NotFound => Self::NotFound("order"),
            CheckoutError::Contended { context, source } => Self::StorageUnavailable {
                context: context.into(),
                source: Box::new(source),
            },
            err @ CheckoutError::ReplayMissing => Self::internal("replaying an idempotent request", err),
            CheckoutError::RemarkRefused => Self::ContentRefused { field: "remark" },
            CheckoutError::RemarkUnchecked(AccessTokenError::Storage(err)) => err.into(),
            err @ CheckoutError::RemarkUnchecked(_) => Self::WeChatUnavailable {
                context: "checking the remark".into(),
                source: Box::new(err),
            },
            CheckoutError::Storage(err) => err.into(),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> Self {
        Self::validation(err.field, err.reason)
    }
}

impl From<FileError> for ApiError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Invalid(err) => err.into(),
            FileError::NotYourImage => Self::validation("avatarKey", "must be an image you uploaded"),
            FileError::QuotaExceeded {
                stored_bytes,
                size,
                quota_bytes,
            } => Self::conflict(
                Conflict::StorageQuota,
                format!(
                    "storing {size} more bytes would exceed your quota of {quota_bytes} bytes ({stored_bytes} stored)"
                ),
                Some(json!({ "storedBytes": stored_bytes, "quotaBytes": quota_bytes })),
            ),
            err @ FileError::KeyLayout { .. } => Self::internal("choosing the object key", err),
            FileError::Storage(err) => err.into(),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(err: ProfileError) -> Self {
        match err {
            ProfileError::NotFound => Self::NotFound("user"),
            ProfileError::Invalid { field, reason } => Self::validation(field, reason),
            ProfileError::AvatarNotOwned => Self::validation("avatarKey", "must be an image you uploaded"),
            ProfileError::NicknameRefused => Self::ContentRefused { field: "nickname" },
            err @ ProfileError::NicknameUnchecked(_) => Self::WeChatUnavailable {
                context: "checking the nickname".into(),
                source: Box::new(err),
            },
            ProfileError::Files(err) => err.into(),
            ProfileError::Storage(err) => err.into(),
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
    fn a_shortage_becomes_a_409_naming_every_product_in_details() {
        let shortage = crate::domain::orders::Shortage {
            product_id: crate::domain::ids::ProductId::parse("pen").unwrap(),
            reason: crate::domain::orders::ShortageReason::OutOfStock,
            available: Some(1),
        };
        let err = ApiError::from(OrderError::OutOfStock {
            shortages: vec![shortage],
        });
        assert_eq!((err.status(), err.code()), (409, 40901));
        assert_eq!(
            err.details().unwrap(),
            &json!({"products": [{"productId": "pen", "reason": "OUT_OF_STOCK", "available": 1}]})
        );
        assert!(err.to_string().contains("pen"));
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

#[cfg(test)]
mod layer_tests {
    /// The domain stays pure: no AWS, Lambda or HTTP client, and no HTTP error type.
    #[test]
    fn the_domain_layer_uses_no_io_and_no_http_errors() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
        let forbidden = ["aws_sdk", "aws_smithy", "lambda_http", "reqwest", "ApiError"];
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            read += 1;
            for word in forbidden {
                assert!(!text.contains(word), "{} mentions {word}", path.display());
            }
        }
        assert!(read >= 8, "read only {read} files");
    }
}
