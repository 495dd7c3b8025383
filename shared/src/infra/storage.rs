//! The error of every storage call (DynamoDB and S3): what was being done, whether retrying
//! later can help, and the SDK's error kept for the log.

use std::error::Error as StdError;
use std::fmt::Debug;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::BoxError;

/// A storage call that failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Throttled, timed out, unreachable, or contended: retrying later can succeed.
    #[error("storage is unavailable while {context}")]
    Unavailable {
        context: String,
        #[source]
        source: BoxError,
    },
    /// Anything else: a bug, a missing permission, a table that is not there.
    #[error("storage failed while {context}")]
    Failed {
        context: String,
        #[source]
        source: BoxError,
    },
    /// A stored item does not have the shape this code writes.
    #[error("a stored item is invalid: {0}")]
    Corrupt(String),
    /// A pagination cursor that this listing did not issue.
    #[error("the pagination cursor is invalid")]
    InvalidCursor,
}

/// Error codes AWS uses for a temporary condition: retrying later can succeed.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "SlowDown",
    "TransactionInProgressException",
];

impl StorageError {
    /// Maps an SDK failure: transient ones (throttling, timeouts, no connection) are
    /// [`StorageError::Unavailable`], anything else [`StorageError::Failed`]. The SDK has already
    /// retried what it could.
    pub fn from_sdk<E, R>(context: impl Into<String>, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: Debug + Send + Sync + 'static,
    {
        let transient = match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(service) => {
                service.err().code().is_some_and(|c| TRANSIENT_CODES.contains(&c))
            }
            _ => false,
        };
        let context = context.into();
        let source = Box::new(err);
        if transient {
            Self::Unavailable { context, source }
        } else {
            Self::Failed { context, source }
        }
    }

    /// A failure of our own while preparing a call (a request that cannot be built).
    pub fn failed(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Failed {
            context: context.into(),
            source: source.into(),
        }
    }

    /// Retrying later can succeed.
    pub fn unavailable(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            context: context.into(),
            source: source.into(),
        }
    }
}
