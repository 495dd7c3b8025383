//! BatchGetItem and BatchWriteItem with their limits, and unprocessed items sent again with
//! the one backoff helper.

use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, WriteRequest};

use super::item::{Attributes, key_attributes};
use super::keys::Key;
use super::{Store, UNPROCESSED};
use crate::infra::storage::StorageError;

/// BatchGetItem's limit.
const READ_BATCH: usize = 100;
/// BatchWriteItem's limit.
const WRITE_BATCH: usize = 25;

impl Store {
    /// The items at `keys` that exist (in no particular order): one BatchGetItem per 100 keys,
    /// plus one per round of unprocessed keys.
    pub(super) async fn batch_get(
        &self,
        keys: &[Key],
        projection: Option<&str>,
        context: &str,
    ) -> Result<Vec<Attributes>, StorageError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(READ_BATCH) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(key_attributes).collect()))
                    .set_projection_expression(projection.map(str::to_owned))
                    .build()
                    .map_err(|e| StorageError::failed(context, e))?,
            );
            let mut attempts = UNPROCESSED.start();
            while let Some(request) = pending.take() {
                let mut output = self
                    .client
                    .batch_get_item()
                    .request_items(self.table(), request)
                    .send()
                    .await
                    .map_err(|e| StorageError::from_sdk(context, e))?;
                if let Some(items) = output.responses.as_mut().and_then(|r| r.remove(self.table())) {
                    found.extend(items);
                }
                pending = output
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(self.table()))
                    .filter(|k| !k.keys().is_empty());
                if pending.is_some() {
                    attempts.wait().await.map_err(|exhausted| {
                        StorageError::unavailable(context, format!("keys still unprocessed: {exhausted}"))
                    })?;
                }
            }
        }
        Ok(found)
    }

    /// Puts `items` (replacing items with the same key): one BatchWriteItem per 25 items, plus
    /// one per round of unprocessed items.
    pub(super) async fn batch_put(&self, items: Vec<Attributes>, context: &str) -> Result<(), StorageError> {
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut pending: Vec<WriteRequest> = items
                .by_ref()
                .take(WRITE_BATCH)
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item))
                        .build()
                        .map_err(|e| StorageError::failed(context, e))?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<_, StorageError>>()?;
            let mut attempts = UNPROCESSED.start();
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(self.table(), pending)
                    .send()
                    .await
                    .map_err(|e| StorageError::from_sdk(context, e))?;
                pending = output
                    .unprocessed_items
                    .and_then(|mut u| u.remove(self.table()))
                    .unwrap_or_default();
                if !pending.is_empty() {
                    attempts.wait().await.map_err(|exhausted| {
                        StorageError::unavailable(context, format!("items still unprocessed: {exhausted}"))
                    })?;
                }
            }
        }
        Ok(())
    }
}
