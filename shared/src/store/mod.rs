//! DynamoDB access: one table, key builders in [`keys`], one method per access pattern.

mod catalog;
mod files;
pub mod item;
pub mod keys;
mod orders;
pub mod schema;
mod users;

use std::sync::Arc;

pub use files::FileRecord;
pub use orders::{CancelOutcome, CreateOutcome, IdempotencyRecord};
pub use users::{LoginRecord, NewSession};

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
        let _ = self
            .client
            .get_item()
            .table_name(self.table())
            .key(keys::attr::PK, item::s("WARMUP"))
            .key(keys::attr::SK, item::s("WARMUP"))
            .send()
            .await;
    }
}
