//! Reading typed values out of DynamoDB items and mapping SDK errors to [`ApiError`].

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt::Debug;
use std::str::FromStr;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::ApiError;
use crate::time::Timestamp;

/// A raw item.
pub type Attributes = HashMap<String, AttributeValue>;

/// String attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// Number attribute.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Typed reads from an item; a missing or mistyped attribute is an internal error naming it.
pub struct Item<'a>(pub &'a Attributes);

impl Item<'_> {
    pub fn opt_s(&self, name: &str) -> Option<String> {
        match self.0.get(name) {
            Some(AttributeValue::S(v)) => Some(v.clone()),
            _ => None,
        }
    }

    pub fn s(&self, name: &str) -> Result<String, ApiError> {
        self.opt_s(name).ok_or_else(|| corrupt(name))
    }

    pub fn opt_n<T: FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| corrupt(name)),
            Some(_) => Err(corrupt(name)),
        }
    }

    pub fn n<T: FromStr>(&self, name: &str) -> Result<T, ApiError> {
        self.opt_n(name)?.ok_or_else(|| corrupt(name))
    }

    pub fn time(&self, name: &str) -> Result<Timestamp, ApiError> {
        Timestamp::parse(&self.s(name)?).ok_or_else(|| corrupt(name))
    }

    pub fn opt_time(&self, name: &str) -> Result<Option<Timestamp>, ApiError> {
        self.opt_s(name)
            .map(|t| Timestamp::parse(&t).ok_or_else(|| corrupt(name)))
            .transpose()
    }

    /// True when the item's TTL has passed: DynamoDB deletes lazily, so we treat it as absent.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        matches!(self.opt_n::<i64>(super::keys::attr::TTL), Ok(Some(ttl)) if ttl <= now.epoch_secs())
    }
}

fn corrupt(name: &str) -> ApiError {
    ApiError::internal(
        "reading a stored item",
        format!("attribute `{name}` is missing or has the wrong type"),
    )
}

/// Error codes DynamoDB uses for a temporary condition: retrying later can succeed.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

/// Maps an SDK failure: transient ones (throttling, timeouts, no connection) become
/// "storage unavailable" (503), anything else "internal" (500). The SDK has already retried.
pub fn storage_error<E, R>(context: impl Into<String>, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let transient = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(service) => service.err().code().is_some_and(|c| TRANSIENT_CODES.contains(&c)),
        _ => false,
    };
    let context = context.into();
    if transient {
        ApiError::StorageUnavailable {
            context,
            source: Box::new(err),
        }
    } else {
        ApiError::Internal {
            context,
            source: Box::new(err),
        }
    }
}
