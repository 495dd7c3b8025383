//! DynamoDB access: one table, keys in [`keys`], one method per access pattern. Every method
//! answers a [`StorageError`]; business rules stay in the domain.

mod batch;
mod catalog;
pub mod fields;
mod files;
mod item;
pub mod keys;
mod ledger;
mod limits;
mod media;
mod notices;
mod operators;
mod orders;
mod pages;
mod platform;
mod products;
mod queues_pages;
pub mod schema;
mod transaction;
mod users;
mod wechat;

use std::sync::Arc;
use std::time::Duration;

pub use files::{FileRecord, Usage};
pub use limits::{Admission, Counted, Refused};
pub use media::MediaCheck;
pub use orders::{CancelOutcome, CreateOutcome, DayFilter, IdempotencyRecord, PaidOutcome};
pub use pages::Cursors;
pub use platform::DeliveryCompanies;
pub use products::Adjusted;
pub use users::{LoginRecord, NewSession, RevokeReason, Rotation, SessionState, SessionStatus};
pub use wechat::{CachedToken, TokenState};

use super::retry::Backoff;
pub use super::storage::StorageError;
use super::timing::{Dependency, SdkTimer};

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// Half the cost; may miss a write of the last second.
    Eventual,
    /// Sees every write acknowledged before it.
    Consistent,
}

/// Batch items DynamoDB leaves unprocessed are sent again: 20 ms, 40 ms, ... up to 1 s, 8 tries.
const UNPROCESSED: Backoff = Backoff {
    attempts: 8,
    base: Duration::from_millis(20),
    max: Duration::from_secs(1),
    jitter: true,
};

/// The table, with its SDK client (built once per process and cloned cheaply).
#[derive(Clone, Debug)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: Arc<str>,
}

impl Store {
    /// The table `table` through `client`, each operation's time counted against DynamoDB on
    /// the request's log line (see [`crate::infra::timing`]).
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<Arc<str>>) -> Self {
        let timed = client
            .config()
            .to_builder()
            .interceptor(SdkTimer(Dependency::DynamoDb))
            .build();
        Self {
            client: aws_sdk_dynamodb::Client::from_conf(timed),
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// One cheap read of a key that never exists, to open the connection; the result is ignored.
    pub async fn warm_up(&self) {
        let _ = self.get(&keys::warm_up(), Read::Eventual, "warming up").await;
    }

    /// One item by key, or `None`.
    pub(crate) async fn get(
        &self,
        key: &keys::Key,
        read: Read,
        context: &str,
    ) -> Result<Option<item::Attributes>, StorageError> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(item::key_attributes(key)))
            .consistent_read(read == Read::Consistent)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk(context, e))?;
        Ok(output.item)
    }

    /// An UpdateItem of the item at `key`, for the caller to give its expressions and send.
    pub(crate) fn update(
        &self,
        key: &keys::Key,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(self.table())
            .set_key(Some(item::key_attributes(key)))
    }
}
