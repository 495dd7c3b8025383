//! How the operators' errors read: each becomes an [`ApiError`] with its code and status.

use crate::operators::accounts::OperatorError;
use crate::runtime::error::{ApiError, Conflict};

impl From<OperatorError> for ApiError {
    fn from(err: OperatorError) -> Self {
        match err {
            OperatorError::Refused => Self::SignInRefused,
            OperatorError::Held(retry_after) => Self::SignInHeld {
                retry_after: retry_after.max(std::time::Duration::from_secs(1)),
            },
            OperatorError::Invalid { field, reason } => Self::validation(field, reason),
            OperatorError::Foreign => Self::CsrfRefused,
            OperatorError::Exists => Self::conflict(
                Conflict::OperatorExists,
                "an operator with this e-mail address exists (该邮箱已有账号)",
                None,
            ),
            OperatorError::NotFound => Self::NotFound("operator"),
            err @ OperatorError::Contended => Self::StorageUnavailable {
                context: "changing the account".into(),
                source: Box::new(err),
            },
            err @ OperatorError::Hashing(_) => Self::internal("hashing the password", err),
            OperatorError::Storage(err) => err.into(),
        }
    }
}
