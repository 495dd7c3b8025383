//! Uploaded files, as recorded by `onUpload`, and what each user stores.

use aws_sdk_dynamodb::types::{Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::item::{Attributes, Item, key_attributes, n, s};
use super::keys::{self, attr, field::file as field, field::usage, item_type};
use super::transaction::{Outcome, Transaction};
use super::{Read, Store};
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
    /// the record and adds the difference of the sizes to the usage, in one transaction
    /// conditioned on the record it replaces, so the usage is always what is stored. Returns
    /// whether this call wrote the record.
    #[tracing::instrument(skip_all)]
    pub async fn record_file(&self, file: &FileRecord) -> Result<bool, StorageError> {
        const CONTEXT: &str = "recording the file";
        const ATTEMPTS: usize = 4;
        let built = |e| StorageError::failed(CONTEXT, e);
        for _ in 0..ATTEMPTS {
            let first = Put::builder()
                .table_name(self.table())
                .set_item(Some(file_item(file)))
                .condition_expression("attribute_not_exists(pk)")
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(built)?;
            let transaction = self
                .put_with_usage(first, file.key.owner(), file.size, 1)
                .map_err(built)?;
            let recorded = match transaction.run(self, CONTEXT).await? {
                Outcome::Committed => return Ok(true),
                Outcome::Conflict => continue,
                Outcome::Failed(failed) => failed
                    .into_iter()
                    .find_map(|(action, old)| (action == RecordAction::File).then_some(old).flatten()),
            };
            let recorded = match recorded {
                Some(item) => Some(item),
                None => {
                    self.get(&keys::file(file.key.as_str()), Read::Consistent, CONTEXT)
                        .await?
                }
            };
            // Deleted in between: record it as new.
            let Some(recorded) = recorded else { continue };
            let recorded = Item(&recorded);
            let (old_size, old_sequencer): (i64, String) =
                (recorded.n(field::SIZE)?, recorded.s(field::SEQUENCER)?);
            if old_sequencer >= file.sequencer {
                return Ok(false);
            }
            let replace = Put::builder()
                .table_name(self.table())
                .set_item(Some(file_item(file)))
                .condition_expression("#seq = :old")
                .expression_attribute_names("#seq", field::SEQUENCER)
                .expression_attribute_values(":old", s(&old_sequencer))
                .build()
                .map_err(built)?;
            let transaction = self
                .put_with_usage(replace, file.key.owner(), file.size - old_size, 0)
                .map_err(built)?;
            if let Outcome::Committed = transaction.run(self, CONTEXT).await? {
                return Ok(true);
            }
        }
        Err(StorageError::unavailable(
            CONTEXT,
            "the file's record kept changing",
        ))
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
            Outcome::Failed(failed) if failed.iter().all(|(action, _)| *action == RecordAction::Usage) => {
                // The usage holds less than this file (counted before replacements were): the
                // file goes, and the usage stops at zero rather than below it.
                self.forget_file_at_zero(&file_key, key.owner()).await
            }
            Outcome::Failed(_) => Ok(false),
        }
    }

    /// Forgets a file whose size is more than its owner's usage: the record deleted and the
    /// usage set to zero bytes, in one transaction.
    async fn forget_file_at_zero(&self, file_key: &keys::Key, owner: &str) -> Result<bool, StorageError> {
        const CONTEXT: &str = "forgetting the file";
        let built = |e| StorageError::failed(CONTEXT, e);
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(file_key)))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(built)?;
        let zero = Update::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::usage(owner))))
            .update_expression("SET #bytes = :zero ADD #files :minus")
            .condition_expression("#files > :zero")
            .expression_attribute_names("#bytes", usage::STORED_BYTES)
            .expression_attribute_names("#files", usage::FILES)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":minus", n(-1))
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(
            RecordAction::File,
            TransactWriteItem::builder().delete(delete).build(),
        );
        transaction.push(
            RecordAction::Usage,
            TransactWriteItem::builder().update(zero).build(),
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

    /// What `owner` (as object keys name them) stores (zero when nothing was ever recorded): one consistent GetItem, so a
    /// grant sees the upload recorded just before it.
    #[tracing::instrument(skip_all)]
    pub async fn usage(&self, owner: &str) -> Result<Usage, StorageError> {
        let item = self
            .get(&keys::usage(owner), Read::Consistent, "reading the storage usage")
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

    /// A file's record written by `put`, and `bytes` and `files` added to `owner`'s usage, in
    /// one transaction.
    fn put_with_usage(
        &self,
        put: Put,
        owner: &str,
        bytes: i64,
        files: i64,
    ) -> Result<Transaction<RecordAction>, aws_sdk_dynamodb::error::BuildError> {
        let mut transaction = Transaction::new();
        transaction.push(RecordAction::File, TransactWriteItem::builder().put(put).build());
        transaction.push(
            RecordAction::Usage,
            TransactWriteItem::builder()
                .update(self.usage_update(owner, bytes, files)?)
                .build(),
        );
        Ok(transaction)
    }

    /// Adds `bytes` and `files` to `owner`'s usage; a change that takes bytes away is
    /// conditioned on the usage holding them (it never falls below zero).
    fn usage_update(
        &self,
        owner: &str,
        bytes: i64,
        files: i64,
    ) -> Result<Update, aws_sdk_dynamodb::error::BuildError> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::usage(owner))))
            .update_expression("ADD #bytes :bytes, #files :files SET #type = :type")
            .expression_attribute_names("#bytes", usage::STORED_BYTES)
            .expression_attribute_names("#files", usage::FILES)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":bytes", n(bytes))
            .expression_attribute_values(":files", n(files))
            .expression_attribute_values(":type", s(item_type::USAGE));
        if bytes < 0 {
            update
                .condition_expression("#bytes >= :held")
                .expression_attribute_values(":held", n(-bytes))
                .build()
        } else {
            update.build()
        }
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
