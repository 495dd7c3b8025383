//! How after-sales' errors read: each becomes an [`ApiError`] with its code, status and the
//! `details` a client can act on.

use serde_json::json;

use crate::after_sales::requests::AfterSalesError;
use crate::domain::after_sales::AfterSalesRefusal;
use crate::infra::access_token::AccessTokenError;
use crate::infra::wechatpay::client::PayError;
use crate::runtime::error::{ApiError, Conflict};

impl From<AfterSalesRefusal> for ApiError {
    fn from(refusal: AfterSalesRefusal) -> Self {
        let message = refusal.to_string();
        let details = match refusal {
            AfterSalesRefusal::Invalid { field, reason } => return Self::validation(field, reason),
            AfterSalesRefusal::NotEligible(status) => {
                json!({ "reason": "status", "status": status.as_str() })
            }
            AfterSalesRefusal::WindowClosed(at) => json!({ "reason": "window", "closedAt": at.to_string() }),
            AfterSalesRefusal::AlreadyOpen(number) => json!({ "reason": "open", "number": number }),
            AfterSalesRefusal::NotDecidable(status) => {
                json!({ "reason": "state", "status": status.as_str() })
            }
        };
        Self::conflict(Conflict::AfterSalesNotAllowed, message, Some(details))
    }
}

impl From<AfterSalesError> for ApiError {
    fn from(err: AfterSalesError) -> Self {
        match err {
            AfterSalesError::NotFound => Self::NotFound("order"),
            AfterSalesError::Refused(refusal) => refusal.into(),
            AfterSalesError::ReasonRefused => Self::ContentRefused { field: "reason" },
            AfterSalesError::ReasonUnchecked(AccessTokenError::Storage(err)) => err.into(),
            err @ AfterSalesError::ReasonUnchecked(_) => Self::WeChatUnavailable {
                context: "checking the reason".into(),
                source: Box::new(err),
            },
            err @ AfterSalesError::Contended => Self::StorageUnavailable {
                context: "recording the after-sales request".into(),
                source: Box::new(err),
            },
            AfterSalesError::Pay(err @ PayError::Unavailable { .. }) => Self::PayUnavailable {
                context: "asking the refund".into(),
                source: Box::new(err),
            },
            AfterSalesError::Pay(err) => Self::internal("calling WeChat Pay", err),
            AfterSalesError::Storage(err) => err.into(),
        }
    }
}
