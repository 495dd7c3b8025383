//! Uploaded files, as recorded by `onUpload`, and what each user stores.

use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem, Update};

use super::item::{Attributes, Item, key_attributes, n, s};
use super::keys::{self, attr, field::file as field, field::usage, item_type};
use super::transaction::{Outcome, Transaction};
use super::{Read, Store};
use crate::domain::ids::Openid;
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

/// What a user stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub stored_bytes: u64,
    pub files: u64,
}

/// The actions of the recording transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordAction {
    File,
    Usage,
}

impl Store {
    /// Records a file and adds it to its owner's usage, in one transaction. Idempotent: a repeated
    /// event changes nothing; a newer write of the same key (the same policy used twice) replaces
    /// the record and keeps the usage as it was counted the first time. Returns whether this call
    /// wrote the record.
    #[tracing::instrument(skip_all)]
    pub async fn record_file(&self, file: &FileRecord) -> Result<bool, StorageError> {
        const CONTEXT: &str = "recording the file";
        let built = |e| StorageError::failed(CONTEXT, e);
        let first = Put::builder()
            .table_name(self.table())
            .set_item(Some(file_item(file)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(
            RecordAction::File,
            TransactWriteItem::builder().put(first).build(),
        );
        transaction.push(
            RecordAction::Usage,
            TransactWriteItem::builder()
                .update(self.usage_update(file.key.owner(), file.size, 1).map_err(built)?)
                .build(),
        );
        match transaction.run(self, CONTEXT).await? {
            Outcome::Committed => return Ok(true),
            Outcome::Conflict => return Err(StorageError::unavailable(CONTEXT, "transaction conflict")),
            Outcome::Failed(_) => {}
        }
        // Already recorded: replace it only with a newer write of the key.
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(file_item(file)))
            .condition_expression("#seq < :seq")
            .expression_attribute_names("#seq", field::SEQUENCER)
            .expression_attribute_values(":seq", s(&file.sequencer))
            .return_values(ReturnValue::None)
            .send()
            .await;
        super::item::written(result, CONTEXT)
    }

    /// Forgets the file at `key` (deleted or expired in the bucket) and takes it out of its
    /// owner's usage: one GetItem, then one transaction. Idempotent. Returns whether it was recorded.
    #[tracing::instrument(skip_all)]
    pub async fn forget_file(&self, key: &ObjectKey) -> Result<bool, StorageError> {
        const CONTEXT: &str = "forgetting the file";
        let file_key = keys::file(key.as_str());
        let Some(item) = self.get(&file_key, Read::Consistent, CONTEXT).await? else {
            return Ok(false);
        };
        let size: i64 = Item(&item).n(field::SIZE)?;
        let built = |e| StorageError::failed(CONTEXT, e);
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&file_key)))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(
            RecordAction::File,
            TransactWriteItem::builder().delete(delete).build(),
        );
        transaction.push(
            RecordAction::Usage,
            TransactWriteItem::builder()
                .update(self.usage_update(key.owner(), -size, -1).map_err(built)?)
                .build(),
        );
        match transaction.run(self, CONTEXT).await? {
            Outcome::Committed => Ok(true),
            Outcome::Conflict => Err(StorageError::unavailable(CONTEXT, "transaction conflict")),
            Outcome::Failed(_) => Ok(false),
        }
    }

    /// The purpose each of `keys` was uploaded for, of those recorded: one BatchGetItem.
    #[tracing::instrument(skip_all)]
    pub async fn file_purposes(
        &self,
        keys: &[ObjectKey],
    ) -> Result<std::collections::HashMap<String, UploadPurpose>, StorageError> {
        let wanted: Vec<keys::Key> = keys.iter().map(|key| keys::file(key.as_str())).collect();
        let projection = format!("{}, {}", attr::PK, field::PURPOSE);
        let mut purposes = std::collections::HashMap::new();
        for item in self
            .batch_get(&wanted, Some(&projection), "reading the uploads")
            .await?
        {
            let item = Item(&item);
            let pk = item.s(attr::PK)?;
            let Some(key) = keys::Key::id_of(&pk, &keys::file("")) else {
                continue;
            };
            purposes.insert(key.to_owned(), item.parsed(field::PURPOSE, UploadPurpose::parse)?);
        }
        Ok(purposes)
    }

    /// What `openid` stores (zero when nothing was ever recorded). One GetItem.
    #[tracing::instrument(skip_all)]
    pub async fn usage(&self, openid: &Openid) -> Result<Usage, StorageError> {
        let item = self
            .get(
                &keys::usage(openid.as_str()),
                Read::Eventual,
                "reading the storage usage",
            )
            .await?;
        let Some(item) = item else {
            return Ok(Usage::default());
        };
        let item = Item(&item);
        Ok(Usage {
            stored_bytes: item.opt_n::<i64>(usage::STORED_BYTES)?.unwrap_or(0).max(0) as u64,
            files: item.opt_n::<i64>(usage::FILES)?.unwrap_or(0).max(0) as u64,
        })
    }

    fn usage_update(
        &self,
        owner: &str,
        bytes: i64,
        files: i64,
    ) -> Result<Update, aws_sdk_dynamodb::error::BuildError> {
        Update::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::usage(owner))))
            .update_expression("ADD #bytes :bytes, #files :files SET #type = :type")
            .expression_attribute_names("#bytes", usage::STORED_BYTES)
            .expression_attribute_names("#files", usage::FILES)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":bytes", n(bytes))
            .expression_attribute_values(":files", n(files))
            .expression_attribute_values(":type", s(item_type::USAGE))
            .build()
    }
}

fn file_item(file: &FileRecord) -> Attributes {
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
    item
}
