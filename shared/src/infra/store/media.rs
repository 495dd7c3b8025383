//! Images waiting for WeChat's verdict (`media_check_async`): one item per trace id, naming the
//! object and its owner, kept until the verdict is applied (or for two days).

use std::time::Duration;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::item::{Item, key_attributes, n, s};
use super::keys::{self, attr, field, item_type};
use super::{Read, Store};
use crate::domain::ids::Openid;
use crate::domain::time::Timestamp;
use crate::domain::uploads::ObjectKey;
use crate::infra::storage::StorageError;

/// WeChat answers within 30 minutes; a record older than this is dropped by the table's TTL.
pub const MEDIA_CHECK_TTL: Duration = Duration::from_secs(2 * 24 * 3600);

/// An image WeChat is checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCheck {
    pub trace_id: String,
    pub key: ObjectKey,
    pub owner: Openid,
}

impl Store {
    /// Remembers which image `check.trace_id` is about, and marks the file as asked about: one
    /// TransactWriteItems (the check's PutItem, the file's UpdateItem).
    #[tracing::instrument(skip_all)]
    pub async fn save_media_check(&self, check: &MediaCheck, now: Timestamp) -> Result<(), StorageError> {
        use field::media_check as f;
        const CONTEXT: &str = "recording the media check";
        let built = |e| StorageError::failed(CONTEXT, e);
        let mut item = key_attributes(&keys::media_check(&check.trace_id));
        item.insert(attr::TYPE.to_owned(), s(item_type::MEDIA_CHECK));
        item.insert(f::OBJECT_KEY.to_owned(), s(check.key.as_str()));
        item.insert(f::OWNER.to_owned(), s(check.owner.as_str()));
        item.insert(attr::TTL.to_owned(), n(now.plus(MEDIA_CHECK_TTL).epoch_secs()));
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .build()
            .map_err(built)?;
        let mark = Update::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::file(check.key.as_str()))))
            .update_expression("SET #trace = :trace")
            .expression_attribute_names("#trace", field::file::MEDIA_TRACE)
            .expression_attribute_values(":trace", s(&check.trace_id))
            .build()
            .map_err(built)?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(mark).build())
            .send()
            .await
            .map_err(|e| StorageError::from_sdk(CONTEXT, e))?;
        Ok(())
    }

    /// Whether WeChat was already asked about the file at `key` (its record names a trace id).
    #[tracing::instrument(skip_all)]
    pub async fn media_check_asked(&self, key: &ObjectKey) -> Result<bool, StorageError> {
        let item = self
            .get(
                &keys::file(key.as_str()),
                Read::Consistent,
                "reading the file record",
            )
            .await?;
        Ok(item.is_some_and(|item| item.contains_key(field::file::MEDIA_TRACE)))
    }

    /// The image `trace_id` is about, if we asked and have not applied the verdict yet.
    #[tracing::instrument(skip_all)]
    pub async fn media_check(&self, trace_id: &str) -> Result<Option<MediaCheck>, StorageError> {
        use field::media_check as f;
        let Some(item) = self
            .get(
                &keys::media_check(trace_id),
                Read::Consistent,
                "reading the media check",
            )
            .await?
        else {
            return Ok(None);
        };
        let item = Item(&item);
        Ok(Some(MediaCheck {
            trace_id: trace_id.to_owned(),
            key: item.parsed(f::OBJECT_KEY, ObjectKey::parse)?,
            owner: item.parsed(f::OWNER, Openid::parse)?,
        }))
    }

    /// Forgets a media check whose verdict was applied: one DeleteItem.
    #[tracing::instrument(skip_all)]
    pub async fn forget_media_check(&self, trace_id: &str) -> Result<(), StorageError> {
        self.client
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::media_check(trace_id))))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("forgetting the media check", e))?;
        Ok(())
    }
}
