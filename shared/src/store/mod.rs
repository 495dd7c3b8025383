//! DynamoDB access: one table, key builders in [`keys`], one method per access pattern.

mod catalog;
mod files;
pub mod item;
pub mod keys;
mod orders;
mod pages;
pub mod schema;
mod users;

use std::sync::Arc;

use crate::error::ApiError;

pub use files::FileRecord;
pub use orders::{CancelOutcome, CreateOutcome, IdempotencyRecord};
pub use users::{LoginRecord, NewSession};

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// Half the cost; may miss a write of the last second.
    Eventual,
    /// Sees every write acknowledged before it.
    Consistent,
}

/// The table, with its SDK client (built once per process and cloned cheaply).
#[derive(Clone, Debug)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: Arc<str>,
}

impl Store {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<Arc<str>>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

    /// One cheap read of a key that never exists, to open the connection; the result is ignored.
    pub async fn warm_up(&self) {
        let key = keys::Key {
            pk: "WARMUP".into(),
            sk: "WARMUP".into(),
        };
        let _ = self.get(&key, Read::Eventual, "warming up").await;
    }

    /// One item by key, or `None`.
    pub(crate) async fn get(
        &self,
        key: &keys::Key,
        read: Read,
        context: &str,
    ) -> Result<Option<item::Attributes>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .key(keys::attr::PK, item::s(&key.pk))
            .key(keys::attr::SK, item::s(&key.sk))
            .consistent_read(read == Read::Consistent)
            .send()
            .await
            .map_err(|e| item::storage_error(context, e))?;
        Ok(output.item)
    }
}
