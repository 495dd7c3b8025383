//! Uploaded files, as recorded by `onUpload`.

use aws_sdk_dynamodb::types::ReturnValue;

use super::Store;
use super::item::{n, s, storage_error};
use super::keys::{self, attr};
use crate::error::ApiError;
use crate::time::Timestamp;

/// A file that passed the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub key: String,
    pub owner: String,
    pub size: i64,
    pub content_type: String,
    pub purpose: String,
    pub created_at: Timestamp,
    /// S3's event sequencer, to keep only the newest write of a key.
    pub sequencer: String,
}

impl Store {
    /// Records a file. Idempotent: a repeated or older event for the key changes nothing.
    /// Returns whether this call wrote the record.
    #[tracing::instrument(skip_all)]
    pub async fn record_file(&self, file: &FileRecord) -> Result<bool, ApiError> {
        let key = keys::file(&file.key);
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .item(attr::PK, s(key.pk))
            .item(attr::SK, s(key.sk))
            .item(attr::TYPE, s(keys::ITEM_FILE))
            .item(attr::GSI1PK, s(keys::user_files(&file.owner)))
            .item(attr::GSI1SK, s(format!("{}#{}", file.created_at, file.key)))
            .item("key", s(&file.key))
            .item("owner", s(&file.owner))
            .item("size", n(file.size))
            .item("contentType", s(&file.content_type))
            .item("purpose", s(&file.purpose))
            .item("createdAt", s(file.created_at.to_string()))
            .item("sequencer", s(&file.sequencer))
            .condition_expression("attribute_not_exists(pk) OR #seq < :seq")
            .expression_attribute_names("#seq", "sequencer")
            .expression_attribute_values(":seq", s(&file.sequencer))
            .return_values(ReturnValue::None)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(storage_error("recording the file", err)),
        }
    }
}
