//! TransactWriteItems with a label per action, so a cancellation is read by what failed
//! (the order, the stock of product X) rather than by position.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::Store;
use super::item::Attributes;
use crate::infra::storage::StorageError;

/// The actions of one transaction, each with a label of the caller's choosing.
pub(super) struct Transaction<L> {
    actions: Vec<TransactWriteItem>,
    labels: Vec<L>,
}

/// How a transaction ended.
#[derive(Debug)]
pub(super) enum Outcome<L> {
    Committed,
    /// Another transaction touched the same items: safe to retry.
    Conflict,
    /// These actions failed their condition, with the item as it was when the action asked
    /// for it (`ReturnValuesOnConditionCheckFailure::AllOld`; empty when there was no item).
    Failed(Vec<(L, Option<Attributes>)>),
}

impl<L> Transaction<L> {
    pub fn new() -> Self {
        Self {
            actions: Vec::new(),
            labels: Vec::new(),
        }
    }

    pub fn push(&mut self, label: L, action: TransactWriteItem) {
        self.actions.push(action);
        self.labels.push(label);
    }

    /// Runs the transaction. A cancellation that names no failed condition and no conflict is
    /// an error: nothing was written, and nothing explains why.
    pub async fn run(self, store: &Store, context: &str) -> Result<Outcome<L>, StorageError> {
        let result = store
            .client
            .transact_write_items()
            .set_transact_items(Some(self.actions))
            .send()
            .await;
        let cancelled = match result {
            Ok(_) => return Ok(Outcome::Committed),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    cancelled.cancellation_reasons().to_vec()
                }
                _ => return Err(StorageError::from_sdk(context, err)),
            },
        };
        if cancelled.iter().any(|r| r.code() == Some("TransactionConflict")) {
            return Ok(Outcome::Conflict);
        }
        let failed: Vec<(L, Option<Attributes>)> = self
            .labels
            .into_iter()
            .zip(cancelled)
            .filter(|(_, reason)| reason.code() == Some("ConditionalCheckFailed"))
            .map(|(label, reason)| (label, reason.item))
            .collect();
        if failed.is_empty() {
            return Err(StorageError::failed(
                context,
                "the transaction was cancelled for no known reason",
            ));
        }
        Ok(Outcome::Failed(failed))
    }
}
