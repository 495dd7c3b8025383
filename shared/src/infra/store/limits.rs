//! Rate limits and bans: one item per subject and scope, holding a counter per window (an
//! attribute named after the window's number, so a new window starts at zero by itself), a refusal
//! counter per ban window, and the ban. A request is one conditional UpdateItem; it also removes
//! the previous windows' counters. An expired ban fails its own condition (`bannedUntil <= now`),
//! so expired state counts as absent.

use aws_sdk_dynamodb::types::ReturnValue;

use super::item::{Item, n, s};
use super::keys::{self, attr, field::limit as field, item_type};
use super::{Read, Store};
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

/// One counted request, as the store sees it.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub scope: &'a str,
    pub subject: &'a str,
    pub window: u64,
    pub limit: u32,
    pub window_end: Timestamp,
}

/// One refused request, as the store sees it.
#[derive(Debug, Clone, Copy)]
pub struct Refused<'a> {
    pub scope: &'a str,
    pub subject: &'a str,
    /// The number of the ban window.
    pub window: u64,
    pub window_end: Timestamp,
    /// Refusals within a ban window that ban the subject.
    pub violations: u32,
    pub ban_until: Timestamp,
}

impl Store {
    /// Counts one request of `counted.subject`, unless it is banned or its window is full: one
    /// conditional UpdateItem (a refusal then reads the item to tell a ban from a full window).
    #[tracing::instrument(skip_all)]
    pub async fn admit(&self, counted: Counted<'_>, now: Timestamp) -> Result<Admission, StorageError> {
        const CONTEXT: &str = "counting the request";
        let key = keys::rate(counted.scope, counted.subject);
        let result = self
            .update(&key)
            .update_expression("ADD #count :one SET #type = :type, #ttl = :end REMOVE #previous, #before")
            .condition_expression(
                "(attribute_not_exists(#count) OR #count < :limit) \
                 AND (attribute_not_exists(#banned) OR #banned <= :now)",
            )
            .expression_attribute_names("#count", field::count(counted.window))
            .expression_attribute_names("#previous", field::count(counted.window.wrapping_sub(1)))
            .expression_attribute_names("#before", field::count(counted.window.wrapping_sub(2)))
            .expression_attribute_names("#banned", field::BANNED_UNTIL)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(counted.limit))
            .expression_attribute_values(":now", n(now.epoch_secs()))
            .expression_attribute_values(":type", s(item_type::RATE))
            .expression_attribute_values(":end", n(counted.window_end.epoch_secs()))
            .send()
            .await;
        match result {
            Ok(_) => return Ok(Admission::Admitted),
            Err(err) if super::item::condition_failed(&err) => {}
            Err(err) => return Err(StorageError::from_sdk(CONTEXT, err)),
        }
        let item = self
            .get(&key, Read::Consistent, CONTEXT)
            .await?
            .unwrap_or_default();
        let banned_until = Item(&item)
            .opt_n::<i64>(field::BANNED_UNTIL)?
            .and_then(Timestamp::from_epoch_secs)
            .filter(|until| *until > now);
        Ok(banned_until.map_or(Admission::Limited, |until| Admission::Banned { until }))
    }

    /// Where `counted.subject` stands in its window, without counting: one consistent GetItem.
    #[tracing::instrument(skip_all)]
    pub async fn rate_state(&self, counted: Counted<'_>, now: Timestamp) -> Result<Admission, StorageError> {
        let key = keys::rate(counted.scope, counted.subject);
        let item = self
            .get(&key, Read::Consistent, "reading a caller's count")
            .await?
            .unwrap_or_default();
        let item = Item(&item);
        let banned_until = item
            .opt_n::<i64>(field::BANNED_UNTIL)?
            .and_then(Timestamp::from_epoch_secs)
            .filter(|until| *until > now);
        if let Some(until) = banned_until {
            return Ok(Admission::Banned { until });
        }
        let count: u32 = item.opt_n(&field::count(counted.window))?.unwrap_or(0);
        Ok(if count < counted.limit {
            Admission::Admitted
        } else {
            Admission::Limited
        })
    }

    /// Counts one request of `counted.subject` whatever the count (a failure that happened): one
    /// UpdateItem.
    #[tracing::instrument(skip_all)]
    pub async fn count_request(&self, counted: Counted<'_>) -> Result<(), StorageError> {
        self.update(&keys::rate(counted.scope, counted.subject))
            .update_expression("ADD #count :one SET #type = :type, #ttl = :end REMOVE #previous, #before")
            .expression_attribute_names("#count", field::count(counted.window))
            .expression_attribute_names("#previous", field::count(counted.window.wrapping_sub(1)))
            .expression_attribute_names("#before", field::count(counted.window.wrapping_sub(2)))
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":type", s(item_type::RATE))
            .expression_attribute_values(":end", n(counted.window_end.epoch_secs()))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("counting a failed request", e))?;
        Ok(())
    }

    /// Records one refused request (one UpdateItem); when that makes `refused.violations` within
    /// the ban window, bans the subject until `refused.ban_until` (one more). Returns whether it is
    /// now banned.
    #[tracing::instrument(skip_all)]
    pub async fn record_violation(&self, refused: Refused<'_>) -> Result<bool, StorageError> {
        let key = keys::rate(refused.scope, refused.subject);
        let violations = field::violations(refused.window);
        let output = self
            .update(&key)
            .update_expression("ADD #violations :one REMOVE #previous")
            .expression_attribute_names("#violations", &violations)
            .expression_attribute_names("#previous", field::violations(refused.window.wrapping_sub(1)))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("recording a refused request", e))?;
        let count: u32 = Item(&output.attributes.unwrap_or_default()).n(&violations)?;
        if count < refused.violations {
            return Ok(false);
        }
        // The item lives at least until the ban ends (and the ban window with it).
        let expires = refused.ban_until.max(refused.window_end);
        self.update(&key)
            .update_expression("SET #banned = :until, #ttl = :expires")
            .expression_attribute_names("#banned", field::BANNED_UNTIL)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":until", n(refused.ban_until.epoch_secs()))
            .expression_attribute_values(":expires", n(expires.epoch_secs()))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("banning a caller", e))?;
        Ok(true)
    }
}
