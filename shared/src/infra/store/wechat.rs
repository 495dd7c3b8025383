//! The WeChat access token shared by every function instance: one item holding the token, when to
//! refresh it, and a lease so that one instance at a time asks WeChat for a new one. Only the
//! refresher writes it; a function that sees WeChat refuse it writes a report on an item of its
//! own, which the refresher reads.

use super::Read;
use super::item::{Item, n, s, written};
use super::keys::{self, attr, field, item_type};
use super::{StorageError, Store};
use crate::domain::time::Timestamp;
use crate::infra::crypto::{Secret, sha256_hex};

/// The token as the table holds it. Never logged: `token` is a [`Secret`].
#[derive(Debug, Clone)]
pub struct CachedToken {
    pub token: Secret,
    /// From then on instances refresh it (a few minutes before it expires).
    pub refresh_at: Timestamp,
    /// WeChat stops accepting it then.
    pub expires_at: Timestamp,
    /// When it was last force-refreshed.
    pub forced_at: Option<Timestamp>,
}

/// The state of the shared token item, as the last write left it.
#[derive(Debug, Clone, Default)]
pub struct TokenState {
    pub token: Option<CachedToken>,
    /// When it was last force-refreshed (kept even before a token exists).
    pub forced_at: Option<Timestamp>,
    /// When WeChat was seen refusing the current token by a function that cannot refresh it.
    pub rejected_at: Option<Timestamp>,
}

impl Store {
    /// The shared access token, read consistently (a refresh by another instance is seen at once).
    #[tracing::instrument(skip_all)]
    pub async fn access_token(&self) -> Result<TokenState, StorageError> {
        let item = self
            .get(
                &keys::access_token(),
                Read::Consistent,
                "reading the access token",
            )
            .await?;
        Ok(item
            .map(|item| token_state(&item))
            .transpose()?
            .unwrap_or_default())
    }

    /// Takes the right to refresh the token until `until`: one conditional UpdateItem, which holds
    /// only while nobody else holds it (or their lease ran out) and the token is still due for
    /// refresh at `now` (or is the `rejected` one), so an instance that read the item just before
    /// another refreshed it does not refresh it again. False when it did not hold.
    #[tracing::instrument(skip_all)]
    pub async fn take_token_lease(
        &self,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
        rejected: Option<&Secret>,
    ) -> Result<bool, StorageError> {
        use field::access_token as f;
        let due = if rejected.is_some() {
            "(attribute_not_exists(#refresh) OR #refresh <= :now OR #token = :rejected)"
        } else {
            "(attribute_not_exists(#refresh) OR #refresh <= :now)"
        };
        let mut update = self
            .update(&keys::access_token())
            .update_expression("SET #type = :type, #lease = :until, #holder = :holder")
            .condition_expression(format!(
                "(attribute_not_exists(#lease) OR #lease < :now) AND {due}"
            ))
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_names("#lease", f::LEASE_UNTIL)
            .expression_attribute_names("#holder", f::LEASE_HOLDER)
            .expression_attribute_names("#refresh", f::REFRESH_AT)
            .expression_attribute_values(":type", s(item_type::ACCESS_TOKEN))
            .expression_attribute_values(":until", n(until.epoch_millis()))
            .expression_attribute_values(":holder", s(holder))
            .expression_attribute_values(":now", n(now.epoch_millis()));
        if let Some(rejected) = rejected {
            update = update
                .expression_attribute_names("#token", f::TOKEN)
                .expression_attribute_values(":rejected", s(rejected.expose()));
        }
        written(update.send().await, "taking the access token lease")
    }

    /// Stores a new token and gives the lease back: one UpdateItem. Written whoever holds the
    /// lease now: a token WeChat just answered is always the latest.
    #[tracing::instrument(skip_all)]
    pub async fn save_access_token(&self, token: &CachedToken) -> Result<(), StorageError> {
        use field::access_token as f;
        let mut update = self.update(&keys::access_token())
            .update_expression(if token.forced_at.is_some() {
                "SET #type = :type, #token = :token, #refresh = :refresh, #expires = :expires, #forced = :forced REMOVE #lease, #holder, #rejected"
            } else {
                "SET #type = :type, #token = :token, #refresh = :refresh, #expires = :expires REMOVE #lease, #holder, #rejected"
            })
            .expression_attribute_names("#rejected", f::REJECTED_AT)
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_names("#token", f::TOKEN)
            .expression_attribute_names("#refresh", f::REFRESH_AT)
            .expression_attribute_names("#expires", f::EXPIRES_AT)
            .expression_attribute_names("#lease", f::LEASE_UNTIL)
            .expression_attribute_names("#holder", f::LEASE_HOLDER)
            .expression_attribute_values(":type", s(item_type::ACCESS_TOKEN))
            .expression_attribute_values(":token", s(token.token.expose()))
            .expression_attribute_values(":refresh", n(token.refresh_at.epoch_millis()))
            .expression_attribute_values(":expires", n(token.expires_at.epoch_millis()));
        if let Some(forced_at) = token.forced_at {
            update = update
                .expression_attribute_names("#forced", f::FORCED_AT)
                .expression_attribute_values(":forced", n(forced_at.epoch_millis()));
        }
        update
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("saving the access token", e))?;
        Ok(())
    }

    /// Records that WeChat refused `rejected`, for the refresher: one UpdateItem of the report item
    /// (its SHA-256 and the time; never the token itself). The refresher acts on it only while
    /// `rejected` is still the shared token.
    #[tracing::instrument(skip_all)]
    pub async fn report_rejected_token(&self, rejected: &Secret, now: Timestamp) -> Result<(), StorageError> {
        use field::access_token as f;
        self.update(&keys::access_token_refused())
            .update_expression("SET #type = :type, #hash = :hash, #rejected = :now")
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_names("#hash", f::REJECTED_HASH)
            .expression_attribute_names("#rejected", f::REJECTED_AT)
            .expression_attribute_values(":type", s(item_type::ACCESS_TOKEN_REFUSED))
            .expression_attribute_values(":hash", s(sha256_hex(rejected.expose().as_bytes())))
            .expression_attribute_values(":now", n(now.epoch_millis()))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("reporting a refused access token", e))?;
        Ok(())
    }

    /// When the shared token `state` holds was reported refused, if it was (one consistent
    /// GetItem of the report item).
    #[tracing::instrument(skip_all)]
    pub async fn token_reported_refused(
        &self,
        state: &TokenState,
    ) -> Result<Option<Timestamp>, StorageError> {
        use field::access_token as f;
        let Some(cached) = &state.token else {
            return Ok(None);
        };
        let Some(report) = self
            .get(
                &keys::access_token_refused(),
                Read::Consistent,
                "reading the refused access token report",
            )
            .await?
        else {
            return Ok(None);
        };
        let report = Item(&report);
        if report.opt_s(f::REJECTED_HASH).as_deref()
            != Some(sha256_hex(cached.token.expose().as_bytes()).as_str())
        {
            return Ok(None);
        }
        report
            .opt_n::<i64>(f::REJECTED_AT)?
            .map(|ms| Timestamp::from_epoch_millis(ms).ok_or_else(|| super::item::corrupt(f::REJECTED_AT)))
            .transpose()
    }

    /// Gives the lease back without a new token (WeChat failed), so another instance may try.
    #[tracing::instrument(skip_all)]
    pub async fn release_token_lease(&self, holder: &str) -> Result<(), StorageError> {
        use field::access_token as f;
        let result = self
            .update(&keys::access_token())
            .update_expression("REMOVE #lease, #holder")
            .condition_expression("#holder = :holder")
            .expression_attribute_names("#lease", f::LEASE_UNTIL)
            .expression_attribute_names("#holder", f::LEASE_HOLDER)
            .expression_attribute_values(":holder", s(holder))
            .send()
            .await;
        written(result, "releasing the access token lease").map(drop)
    }
}

fn token_state(item: &super::item::Attributes) -> Result<TokenState, StorageError> {
    use field::access_token as f;
    let item = Item(item);
    let millis = |name: &str| -> Result<Option<Timestamp>, StorageError> {
        item.opt_n::<i64>(name)?
            .map(|ms| Timestamp::from_epoch_millis(ms).ok_or_else(|| super::item::corrupt(name)))
            .transpose()
    };
    let forced_at = millis(f::FORCED_AT)?;
    let rejected_at = millis(f::REJECTED_AT)?;
    let token = match (
        item.opt_s(f::TOKEN),
        millis(f::REFRESH_AT)?,
        millis(f::EXPIRES_AT)?,
    ) {
        (Some(token), Some(refresh_at), Some(expires_at)) => Some(CachedToken {
            token: Secret::new(token),
            refresh_at,
            expires_at,
            forced_at,
        }),
        _ => None,
    };
    Ok(TokenState {
        token,
        forced_at,
        rejected_at,
    })
}
