//! How fulfilment's errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use serde_json::json;

use crate::domain::orders::{OrderStatus, ShipRefusal};
use crate::fulfilment::platform::PlatformError;
use crate::fulfilment::shipping::ShippingError;
use crate::infra::access_token::AccessTokenError;
use crate::runtime::error::{ApiError, Conflict};

impl From<ShipRefusal> for ApiError {
    fn from(refusal: ShipRefusal) -> Self {
        let message = refusal.to_string();
        let details = match refusal {
            ShipRefusal::Invalid { field, reason } => return Self::validation(field, reason),
            ShipRefusal::NotPaid(status) => json!({ "status": status.as_str() }),
            ShipRefusal::ShippedOtherwise { carrier, tracking_no } => json!({
                "carrier": carrier.as_str(),
                "trackingNo": tracking_no.as_str(),
            }),
            ShipRefusal::NoReceiverContact { carrier } => json!({
                "status": OrderStatus::Paid.as_str(),
                "carrier": carrier.as_str(),
            }),
        };
        Self::conflict(Conflict::OrderNotShippable, message, Some(details))
    }
}

impl From<PlatformError> for ApiError {
    fn from(err: PlatformError) -> Self {
        match err {
            PlatformError::WeChat(AccessTokenError::Storage(err)) | PlatformError::Storage(err) => err.into(),
            err @ PlatformError::WeChat(_) => Self::WeChatUnavailable {
                context: "reading WeChat's delivery companies".into(),
                source: Box::new(err),
            },
        }
    }
}

impl From<ShippingError> for ApiError {
    fn from(err: ShippingError) -> Self {
        match err {
            ShippingError::NotFound => Self::NotFound("order"),
            ShippingError::Refused(refusal) => refusal.into(),
            err @ ShippingError::NotReported(AccessTokenError::Storage(_)) => Self::StorageUnavailable {
                context: "reporting the shipment".into(),
                source: Box::new(err),
            },
            err @ ShippingError::NotReported(_) => Self::WeChatUnavailable {
                context: "reporting the shipment".into(),
                source: Box::new(err),
            },
            ShippingError::Platform(err) => err.into(),
            ShippingError::Storage(err) => err.into(),
        }
    }
}
