//! Rate-limit counters and bans: one counter item per subject and window (so a stale window is
//! never read again), a violation counter, and a ban item. Expired items are treated as absent.

use aws_sdk_dynamodb::types::{
    ConditionCheck, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::Store;
use super::item::{Item, key_attributes, n, s};
use super::keys::{self, attr, field::limit as field, item_type};
use super::transaction::{Outcome, Transaction};
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

/// Whether one more request is let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// The window's limit is reached.
    Limited,
    /// The subject is banned until then.
    Banned {
        until: Timestamp,
    },
}

/// The actions of the admitting transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdmitAction {
    NotBanned,
    Count,
}

/// One counted request, as the store sees it.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub scope: &'a str,
    pub subject: &'a str,
    pub window: u64,
    pub limit: u32,
    pub window_end: Timestamp,
}

impl Store {
    /// Counts one request of `counted.subject`, unless it is banned or its window is full: one
    /// TransactWriteItems (a ConditionCheck on the ban, a conditional ADD on the window's counter,
    /// whose TTL is the window's end).
    #[tracing::instrument(skip_all)]
    pub async fn admit(&self, counted: Counted<'_>, now: Timestamp) -> Result<Admission, StorageError> {
        const CONTEXT: &str = "counting the request";
        let built = |e| StorageError::failed(CONTEXT, e);
        let ban = keys::rate_ban(counted.scope, counted.subject);
        let window = keys::rate_window(counted.scope, counted.subject, counted.window);
        let not_banned = ConditionCheck::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&ban)))
            .condition_expression("attribute_not_exists(#until) OR #until <= :now")
            .expression_attribute_names("#until", field::BANNED_UNTIL)
            .expression_attribute_values(":now", n(now.epoch_secs()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(built)?;
        let count = Update::builder()
            .table_name(self.table())
            .set_key(Some(key_attributes(&window)))
            .update_expression("ADD #count :one SET #ttl = :end, #type = :type")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", field::COUNT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":end", n(counted.window_end.epoch_secs()))
            .expression_attribute_values(":type", s(item_type::RATE))
            .expression_attribute_values(":limit", n(counted.limit))
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(
            AdmitAction::NotBanned,
            TransactWriteItem::builder().condition_check(not_banned).build(),
        );
        transaction.push(
            AdmitAction::Count,
            TransactWriteItem::builder().update(count).build(),
        );
        let failed = match transaction.run(self, CONTEXT).await? {
            Outcome::Committed => return Ok(Admission::Admitted),
            // Two requests of one subject at once: count this one as refused, it may retry.
            Outcome::Conflict => return Ok(Admission::Limited),
            Outcome::Failed(failed) => failed,
        };
        for (action, old) in &failed {
            if *action == AdmitAction::NotBanned {
                let until = old
                    .as_ref()
                    .and_then(|item| Item(item).opt_n::<i64>(field::BANNED_UNTIL).ok().flatten())
                    .and_then(Timestamp::from_epoch_secs)
                    .unwrap_or(now);
                return Ok(Admission::Banned { until });
            }
        }
        Ok(Admission::Limited)
    }

    /// Records one refused request of `subject` in ban window `window` (TTL `window_end`); when that
    /// makes `violations`, bans the subject until `ban_until`. Returns whether it is now banned.
    #[tracing::instrument(skip_all)]
    #[allow(clippy::too_many_arguments)]
    pub async fn record_violation(
        &self,
        scope: &str,
        subject: &str,
        window: u64,
        window_end: Timestamp,
        violations: u32,
        ban_until: Timestamp,
    ) -> Result<bool, StorageError> {
        let output = self
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::rate_violations(
                scope, subject, window,
            ))))
            .update_expression("ADD #count :one SET #ttl = :end, #type = :type")
            .expression_attribute_names("#count", field::COUNT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":end", n(window_end.epoch_secs()))
            .expression_attribute_values(":type", s(item_type::RATE))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("recording a refused request", e))?;
        let count: u32 = Item(&output.attributes.unwrap_or_default()).n(field::COUNT)?;
        if count < violations {
            return Ok(false);
        }
        let mut ban = key_attributes(&keys::rate_ban(scope, subject));
        ban.extend([
            (attr::TYPE.to_owned(), s(item_type::RATE)),
            (field::BANNED_UNTIL.to_owned(), n(ban_until.epoch_secs())),
            (attr::TTL.to_owned(), n(ban_until.epoch_secs())),
        ]);
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(ban))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("banning a caller", e))?;
        Ok(true)
    }
}
