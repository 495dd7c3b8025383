//! How files' errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use serde_json::json;

use crate::domain::uploads::UploadError;
use crate::files::objects::FileError;
use crate::runtime::error::{ApiError, Conflict};

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> Self {
        Self::validation(err.field, err.reason)
    }
}

impl From<FileError> for ApiError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Invalid(err) => err.into(),
            FileError::NotYourImage => Self::validation(
                "avatarKey",
                "must be an image you uploaded as an avatar (purpose avatar)",
            ),
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
