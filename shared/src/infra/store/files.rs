//! Uploaded files, as recorded by `onUpload`.

use aws_sdk_dynamodb::types::ReturnValue;

use super::Store;
use super::item::{key_attributes, n, s};
use super::keys::{self, attr, field::file as field, item_type};
use crate::domain::time::Timestamp;
use crate::domain::uploads::{ObjectKey, UploadPurpose};
use crate::infra::storage::StorageError;

/// A file that passed the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub key: ObjectKey,
    pub size: i64,
    pub content_type: String,
    pub purpose: UploadPurpose,
    pub created_at: Timestamp,
    /// S3's event sequencer, to keep only the newest write of a key.
    pub sequencer: String,
}

impl Store {
    /// Records a file. Idempotent: a repeated or older event for the key changes nothing.
    /// Returns whether this call wrote the record.
    #[tracing::instrument(skip_all)]
    pub async fn record_file(&self, file: &FileRecord) -> Result<bool, StorageError> {
        let key = file.key.as_str();
        let created_at = file.created_at.to_string();
        let mut item = key_attributes(&keys::file(key));
        item.extend([
            (attr::TYPE.to_owned(), s(item_type::FILE)),
            (attr::GSI1PK.to_owned(), s(keys::user_files(file.key.owner()))),
            (attr::GSI1SK.to_owned(), s(keys::file_position(&created_at, key))),
            (field::KEY.to_owned(), s(key)),
            (field::OWNER.to_owned(), s(file.key.owner())),
            (field::SIZE.to_owned(), n(file.size)),
            (field::CONTENT_TYPE.to_owned(), s(&file.content_type)),
            (field::PURPOSE.to_owned(), s(file.purpose.as_str())),
            (field::CREATED_AT.to_owned(), s(created_at)),
            (field::SEQUENCER.to_owned(), s(&file.sequencer)),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #seq < :seq")
            .expression_attribute_names("#seq", field::SEQUENCER)
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
            Err(err) => Err(StorageError::from_sdk("recording the file", err)),
        }
    }
}
