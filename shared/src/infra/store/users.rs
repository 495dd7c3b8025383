//! Users and sessions in the table.

use aws_sdk_dynamodb::types::ReturnValue;

use super::item::{Attributes, Item, key_attributes, n, s};
use super::keys::{self, attr, field::session, field::user as field, item_type};
use super::{Read, Store};
use crate::domain::closed_set;
use crate::domain::ids::{Openid, SessionId};
use crate::domain::time::Timestamp;
use crate::domain::users::{Avatar, PhoneNumber, ProfilePatch, UserProfile, mask_phone};
use crate::infra::storage::StorageError;

closed_set! {
    /// Whether a session (its access and refresh tokens) may still be used.
    pub enum SessionStatus {
        Active = "ACTIVE",
        Revoked = "REVOKED",
    }
}

closed_set! {
    /// Why a session was ended.
    pub enum RevokeReason {
        Logout = "LOGOUT",
        LogoutAll = "LOGOUT_ALL",
        /// A spent refresh token was presented again: the family may be stolen.
        RefreshReuse = "REFRESH_REUSE",
    }
}

/// What the store knows of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub openid: Openid,
    pub status: SessionStatus,
    pub expires_at: Timestamp,
    pub refresh_hash: String,
    /// The hash of the refresh token `refresh_hash` replaced (none before the first rotation).
    pub previous_refresh_hash: Option<String>,
}

impl SessionState {
    /// Whether tokens of this session, for `openid`, may be used at `now`.
    pub fn is_usable_by(&self, openid: &Openid, now: Timestamp) -> bool {
        self.status == SessionStatus::Active && self.openid == *openid && self.expires_at > now
    }
}

/// How a refresh-token rotation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The presented token was the current one; the new one is stored.
    Rotated { openid: Openid },
    /// The presented token was not accepted; the session as it is now (`None`: no such session).
    Refused(Option<SessionState>),
}

/// Sessions revoked in parallel by logout-everywhere.
const REVOKE_BATCH: usize = 10;

/// A login session: one refresh-token family, rotated in place by the refresh flow.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session_id: SessionId,
    pub openid: Openid,
    /// SHA-256 of the refresh token's secret part; the token itself is never stored.
    pub refresh_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The result of recording a login.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub profile: UserProfile,
    pub is_new_user: bool,
}

impl Store {
    /// Creates or refreshes the user in one UpdateItem: `createdAt` is set only the first time,
    /// `lastLoginAt` every time; `loginCount` tells a first login apart.
    #[tracing::instrument(skip_all)]
    pub async fn record_login(
        &self,
        openid: &Openid,
        unionid: Option<&str>,
        now: Timestamp,
    ) -> Result<LoginRecord, StorageError> {
        let mut update = self
            .update(&keys::user(openid.as_str()))
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":type", s(item_type::USER))
            .expression_attribute_values(":openid", s(openid.as_str()))
            .expression_attribute_values(":now", s(now.to_string()))
            .expression_attribute_values(":empty", s(""))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew);
        let mut set = format!(
            "SET #type = :type, {o} = :openid, {c} = if_not_exists({c}, :now), {u} = if_not_exists({u}, :now), \
             {nick} = if_not_exists({nick}, :empty), {av} = if_not_exists({av}, :empty), {l} = :now",
            o = field::OPENID,
            c = field::CREATED_AT,
            u = field::UPDATED_AT,
            nick = field::NICKNAME,
            av = field::AVATAR_URL,
            l = field::LAST_LOGIN_AT,
        );
        if let Some(unionid) = unionid {
            set.push_str(&format!(", {} = :unionid", field::UNIONID));
            update = update.expression_attribute_values(":unionid", s(unionid));
        }
        let output = update
            .update_expression(format!("{set} ADD {} :one", field::LOGIN_COUNT))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("recording the login", e))?;
        let attributes = output.attributes.unwrap_or_default();
        let is_new_user = Item(&attributes).n::<u64>(field::LOGIN_COUNT)? == 1;
        Ok(LoginRecord {
            profile: profile_from(&attributes)?,
            is_new_user,
        })
    }

    /// Stores a new session. Its TTL is the refresh token's expiry.
    #[tracing::instrument(skip_all)]
    pub async fn put_session(&self, new: &NewSession) -> Result<(), StorageError> {
        let mut item = key_attributes(&keys::session(new.session_id.as_str()));
        item.extend([
            (attr::TYPE.to_owned(), s(item_type::SESSION)),
            (
                attr::GSI1PK.to_owned(),
                s(keys::user_sessions(new.openid.as_str())),
            ),
            (attr::GSI1SK.to_owned(), s(new.created_at.to_string())),
            (session::OPENID.to_owned(), s(new.openid.as_str())),
            (session::REFRESH_HASH.to_owned(), s(&new.refresh_hash)),
            (session::STATUS.to_owned(), s(SessionStatus::Active.as_str())),
            (session::CREATED_AT.to_owned(), s(new.created_at.to_string())),
            (attr::TTL.to_owned(), n(new.expires_at.epoch_secs())),
        ]);
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("storing the session", e))?;
        Ok(())
    }

    /// The session `id`, read consistently (a revocation is seen by the very next request).
    /// One GetItem of a few attributes.
    #[tracing::instrument(skip_all)]
    pub async fn session(&self, id: &SessionId) -> Result<Option<SessionState>, StorageError> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::session(id.as_str()))))
            .consistent_read(true)
            .projection_expression("#openid, #status, #ttl, #hash, #previous")
            .expression_attribute_names("#openid", session::OPENID)
            .expression_attribute_names("#status", session::STATUS)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_names("#hash", session::REFRESH_HASH)
            .expression_attribute_names("#previous", session::PREVIOUS_HASH)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("checking the session", e))?;
        output.item.as_ref().map(session_from).transpose()
    }

    /// Replaces the session's refresh hash `old_hash` by `new_hash` and extends the session to
    /// `expires_at`, in one conditional UpdateItem: only the current token of an active, unexpired
    /// session rotates, so of two concurrent rotations exactly one wins. On refusal the session is
    /// read (consistently) so the caller can tell reuse from revocation and expiry.
    #[tracing::instrument(skip_all)]
    pub async fn rotate_refresh(
        &self,
        id: &SessionId,
        old_hash: &str,
        new_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Rotation, StorageError> {
        let result = self
            .update(&keys::session(id.as_str()))
            .update_expression(
                "SET #hash = :new, #previous = :old, #rotated = :now_text, #ttl = :expires ADD #generation :one",
            )
            .condition_expression("#hash = :old AND #status = :active AND #ttl > :now")
            .expression_attribute_names("#hash", session::REFRESH_HASH)
            .expression_attribute_names("#previous", session::PREVIOUS_HASH)
            .expression_attribute_names("#rotated", session::ROTATED_AT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_names("#generation", session::GENERATION)
            .expression_attribute_names("#status", session::STATUS)
            .expression_attribute_values(":new", s(new_hash))
            .expression_attribute_values(":old", s(old_hash))
            .expression_attribute_values(":now_text", s(now.to_string()))
            .expression_attribute_values(":now", n(now.epoch_secs()))
            .expression_attribute_values(":expires", n(expires_at.epoch_secs()))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let attributes = output.attributes.unwrap_or_default();
                let openid = Item(&attributes).parsed(session::OPENID, Openid::parse)?;
                Ok(Rotation::Rotated { openid })
            }
            Err(err) if super::item::condition_failed(&err) => Ok(Rotation::Refused(self.session(id).await?)),
            Err(err) => Err(StorageError::from_sdk("rotating the refresh token", err)),
        }
    }

    /// Ends the session `id`; its access and refresh tokens are refused from the next request on.
    /// Revoking a revoked session keeps its first reason. Returns whether a session was there.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_session(
        &self,
        id: &SessionId,
        reason: RevokeReason,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        let result = self
            .update(&keys::session(id.as_str()))
            .update_expression(
                "SET #status = :revoked, #at = if_not_exists(#at, :now), #why = if_not_exists(#why, :why)",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", session::STATUS)
            .expression_attribute_names("#at", session::REVOKED_AT)
            .expression_attribute_names("#why", session::REVOKED_REASON)
            .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
            .expression_attribute_values(":now", s(now.to_string()))
            .expression_attribute_values(":why", s(reason.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if super::item::condition_failed(&err) => Ok(false),
            Err(err) => Err(StorageError::from_sdk("revoking the session", err)),
        }
    }

    /// Ends every session of `openid`: one Query per page of the user's sessions (GSI1), then one
    /// UpdateItem per active session, ten at a time. Returns how many were ended.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_user_sessions(
        &self,
        openid: &Openid,
        reason: RevokeReason,
        now: Timestamp,
    ) -> Result<usize, StorageError> {
        let mut active = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(self.table())
                .index_name(keys::index::GSI1)
                .key_condition_expression("#pk = :pk")
                .filter_expression("#status = :active")
                .projection_expression("#key")
                .expression_attribute_names("#pk", attr::GSI1PK)
                .expression_attribute_names("#status", session::STATUS)
                .expression_attribute_names("#key", attr::PK)
                .expression_attribute_values(":pk", s(keys::user_sessions(openid.as_str())))
                .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StorageError::from_sdk("listing the user's sessions", e))?;
            for item in page.items() {
                let pk = Item(item).s(attr::PK)?;
                let id = keys::Key::id_of(&pk, &keys::session(""))
                    .and_then(SessionId::parse)
                    .ok_or_else(|| super::item::corrupt(attr::PK))?;
                active.push(id);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        let mut revoked = 0;
        for chunk in active.chunks(REVOKE_BATCH) {
            let results =
                futures::future::try_join_all(chunk.iter().map(|id| self.revoke_session(id, reason, now)))
                    .await?;
            revoked += results.into_iter().filter(|&done| done).count();
        }
        Ok(revoked)
    }

    /// The caller's profile, or `None` when they never logged in.
    #[tracing::instrument(skip_all)]
    pub async fn get_user(&self, openid: &Openid) -> Result<Option<UserProfile>, StorageError> {
        let item = self
            .get(&keys::user(openid.as_str()), Read::Eventual, "loading the user")
            .await?;
        item.as_ref().map(profile_from).transpose()
    }

    /// Applies `patch` to an existing user in one conditional UpdateItem; `None` if there is no user.
    #[tracing::instrument(skip_all)]
    pub async fn update_user(
        &self,
        openid: &Openid,
        patch: &ProfilePatch,
        now: Timestamp,
    ) -> Result<Option<UserProfile>, StorageError> {
        let mut sets = vec![format!("{} = :now", field::UPDATED_AT)];
        let mut update = self
            .update(&keys::user(openid.as_str()))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", s(now.to_string()))
            .return_values(ReturnValue::AllNew);
        if let Some(nickname) = &patch.nickname {
            sets.push(format!("{} = :nickname", field::NICKNAME));
            update = update.expression_attribute_values(":nickname", s(nickname.as_str()));
        }
        let mut remove = String::new();
        match &patch.avatar {
            Some(Avatar::Url(url)) => {
                sets.push(format!("{} = :avatar", field::AVATAR_URL));
                update = update.expression_attribute_values(":avatar", s(url.as_str()));
                remove = format!(" REMOVE {}", field::AVATAR_KEY);
            }
            Some(Avatar::Upload(key)) => {
                sets.push(format!("{} = :avatar_key", field::AVATAR_KEY));
                sets.push(format!("{} = :empty", field::AVATAR_URL));
                update = update
                    .expression_attribute_values(":avatar_key", s(key.as_str()))
                    .expression_attribute_values(":empty", s(""));
            }
            None => {}
        }
        let result = update
            .update_expression(format!("SET {}{remove}", sets.join(", ")))
            .send()
            .await;
        match result {
            Ok(output) => profile_from(&output.attributes.unwrap_or_default()).map(Some),
            Err(err) if super::item::condition_failed(&err) => Ok(None),
            Err(err) => Err(StorageError::from_sdk("updating the user", err)),
        }
    }
}

impl Store {
    /// Binds `phone` to an existing user: one conditional UpdateItem; false if there is no user.
    #[tracing::instrument(skip_all)]
    pub async fn bind_phone(
        &self,
        openid: &Openid,
        phone: &PhoneNumber,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        let result = self
            .update(&keys::user(openid.as_str()))
            .update_expression("SET #phone = :phone, #country = :country, #bound = :now, #updated = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#phone", field::PHONE)
            .expression_attribute_names("#country", field::PHONE_COUNTRY_CODE)
            .expression_attribute_names("#bound", field::PHONE_BOUND_AT)
            .expression_attribute_names("#updated", field::UPDATED_AT)
            .expression_attribute_values(":phone", s(&phone.number))
            .expression_attribute_values(":country", s(&phone.country_code))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        super::item::written(result, "binding the phone number")
    }

    /// Takes the uploaded image `key` off `openid`'s profile if it is their avatar (WeChat found
    /// it risky): one conditional UpdateItem. False when it was not their avatar (any more).
    #[tracing::instrument(skip_all)]
    pub async fn clear_avatar(
        &self,
        openid: &Openid,
        key: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        let result = self
            .update(&keys::user(openid.as_str()))
            .update_expression("SET #url = :empty, #updated = :now REMOVE #key")
            .condition_expression("#key = :key")
            .expression_attribute_names("#url", field::AVATAR_URL)
            .expression_attribute_names("#key", field::AVATAR_KEY)
            .expression_attribute_names("#updated", field::UPDATED_AT)
            .expression_attribute_values(":empty", s(""))
            .expression_attribute_values(":key", s(key))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        super::item::written(result, "clearing the avatar")
    }
}

fn session_from(attributes: &Attributes) -> Result<SessionState, StorageError> {
    let item = Item(attributes);
    Ok(SessionState {
        openid: item.parsed(session::OPENID, Openid::parse)?,
        status: item.parsed(session::STATUS, SessionStatus::parse)?,
        expires_at: Timestamp::from_epoch_secs(item.n(attr::TTL)?)
            .ok_or_else(|| super::item::corrupt(attr::TTL))?,
        refresh_hash: item.s(session::REFRESH_HASH)?,
        previous_refresh_hash: item.opt_s(session::PREVIOUS_HASH),
    })
}

fn profile_from(attributes: &Attributes) -> Result<UserProfile, StorageError> {
    let item = Item(attributes);
    Ok(UserProfile {
        openid: item.parsed(field::OPENID, Openid::parse)?,
        unionid: item.opt_s(field::UNIONID),
        nickname: item.opt_s(field::NICKNAME).unwrap_or_default(),
        avatar_url: item.opt_s(field::AVATAR_URL).unwrap_or_default(),
        avatar_key: item.opt_s(field::AVATAR_KEY),
        phone: item.opt_s(field::PHONE).map(|number| mask_phone(&number)),
        created_at: item.time(field::CREATED_AT)?,
    })
}
