//! Users and sessions in the table.

use aws_sdk_dynamodb::types::ReturnValue;

use super::item::{Attributes, Item, key_attributes, n, s};
use super::keys::{self, attr, field::session, field::user as field, item_type};
use super::{Read, Store};
use crate::domain::closed_set;
use crate::domain::ids::{Openid, SessionId};
use crate::domain::time::Timestamp;
use crate::domain::users::{Avatar, ProfilePatch, UserProfile};
use crate::infra::storage::StorageError;

closed_set! {
    /// Whether a session's refresh token may still be used.
    pub enum SessionStatus {
        Active = "ACTIVE",
        Revoked = "REVOKED",
    }
}

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
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::user(openid.as_str()))))
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
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::user(openid.as_str()))))
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
            Err(err) if is_condition_failed(&err) => Ok(None),
            Err(err) => Err(StorageError::from_sdk("updating the user", err)),
        }
    }
}

fn is_condition_failed<R>(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_conditional_check_failed_exception())
}

fn profile_from(attributes: &Attributes) -> Result<UserProfile, StorageError> {
    let item = Item(attributes);
    Ok(UserProfile {
        openid: item.parsed(field::OPENID, Openid::parse)?,
        unionid: item.opt_s(field::UNIONID),
        nickname: item.opt_s(field::NICKNAME).unwrap_or_default(),
        avatar_url: item.opt_s(field::AVATAR_URL).unwrap_or_default(),
        avatar_key: item.opt_s(field::AVATAR_KEY),
        created_at: item.time(field::CREATED_AT)?,
    })
}
