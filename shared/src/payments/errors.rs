//! How payments' errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use serde_json::json;

use crate::domain::orders::PayRefusal;
use crate::infra::wechatpay::client::PayError;
use crate::payments::pay::PaymentError;
use crate::payments::refunds::RefundError;
use crate::runtime::error::{ApiError, Conflict};

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
            err @ RefundError::HasAfterSales => {
                Self::conflict(Conflict::OrderNotRefundable, err.to_string(), None)
            }
            RefundError::Storage(err) => err.into(),
        }
    }
}
