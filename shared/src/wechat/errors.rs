//! How the WeChat platform services' errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use crate::runtime::error::ApiError;
use crate::wechat::messages::SubscriptionError;

impl From<SubscriptionError> for ApiError {
    fn from(err: SubscriptionError) -> Self {
        match err {
            SubscriptionError::Invalid(reason) => Self::validation("accepted", reason),
            SubscriptionError::Storage(err) => err.into(),
        }
    }
}
