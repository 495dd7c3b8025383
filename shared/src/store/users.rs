//! Users and sessions in the table.

use aws_sdk_dynamodb::types::ReturnValue;

use super::item::{Attributes, Item, n, s, storage_error};
use super::keys::{self, attr};
use super::{Read, Store};
use crate::error::ApiError;
use crate::time::Timestamp;
use crate::users::{Avatar, ProfilePatch, UserProfile};

mod field {
    pub const OPENID: &str = "openid";
    pub const UNIONID: &str = "unionid";
    pub const NICKNAME: &str = "nickname";
    pub const AVATAR_URL: &str = "avatarUrl";
    pub const AVATAR_KEY: &str = "avatarKey";
    pub const CREATED_AT: &str = "createdAt";
    pub const UPDATED_AT: &str = "updatedAt";
    pub const LAST_LOGIN_AT: &str = "lastLoginAt";
    pub const LOGIN_COUNT: &str = "loginCount";
    pub const REFRESH_HASH: &str = "refreshHash";
    pub const STATUS: &str = "status";
}

/// A login session: one refresh-token family, rotated in place by the refresh flow.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session_id: String,
    pub openid: String,
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
        openid: &str,
        unionid: Option<&str>,
        now: Timestamp,
    ) -> Result<LoginRecord, ApiError> {
        let key = keys::user(openid);
        let mut update = self
            .client
            .update_item()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":type", s(keys::ITEM_USER))
            .expression_attribute_values(":openid", s(openid))
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
            .map_err(|e| storage_error("recording the login", e))?;
        let attributes = output.attributes.unwrap_or_default();
        let is_new_user = Item(&attributes).n::<u64>(field::LOGIN_COUNT)? == 1;
        Ok(LoginRecord {
            profile: profile_from(&attributes)?,
            is_new_user,
        })
    }

    /// Stores a new session. Its TTL is the refresh token's expiry.
    #[tracing::instrument(skip_all)]
    pub async fn put_session(&self, session: &NewSession) -> Result<(), ApiError> {
        let key = keys::session(&session.session_id);
        self.client
            .put_item()
            .table_name(self.table())
            .item(attr::PK, s(key.pk))
            .item(attr::SK, s(key.sk))
            .item(attr::TYPE, s(keys::ITEM_SESSION))
            .item(attr::GSI1PK, s(keys::user_sessions(&session.openid)))
            .item(attr::GSI1SK, s(session.created_at.to_string()))
            .item(field::OPENID, s(&session.openid))
            .item(field::REFRESH_HASH, s(&session.refresh_hash))
            .item(field::STATUS, s("ACTIVE"))
            .item(field::CREATED_AT, s(session.created_at.to_string()))
            .item(attr::TTL, n(session.expires_at.epoch_secs()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| storage_error("storing the session", e))?;
        Ok(())
    }

    /// The caller's profile, or `None` when they never logged in.
    #[tracing::instrument(skip_all)]
    pub async fn get_user(&self, openid: &str) -> Result<Option<UserProfile>, ApiError> {
        let item = self
            .get(&keys::user(openid), Read::Eventual, "loading the user")
            .await?;
        item.as_ref().map(profile_from).transpose()
    }

    /// Applies `patch` to an existing user in one conditional UpdateItem; `None` if there is no user.
    #[tracing::instrument(skip_all)]
    pub async fn update_user(
        &self,
        openid: &str,
        patch: &ProfilePatch,
        now: Timestamp,
    ) -> Result<Option<UserProfile>, ApiError> {
        let key = keys::user(openid);
        let mut sets = vec![format!("{} = :now", field::UPDATED_AT)];
        let mut update = self
            .client
            .update_item()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
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
            Err(err) => Err(storage_error("updating the user", err)),
        }
    }
}

fn is_condition_failed<R>(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_conditional_check_failed_exception())
}

fn profile_from(attributes: &Attributes) -> Result<UserProfile, ApiError> {
    let item = Item(attributes);
    Ok(UserProfile {
        openid: item.s(field::OPENID)?,
        unionid: item.opt_s(field::UNIONID),
        nickname: item.opt_s(field::NICKNAME).unwrap_or_default(),
        avatar_url: item.opt_s(field::AVATAR_URL).unwrap_or_default(),
        avatar_key: item.opt_s(field::AVATAR_KEY),
        created_at: item.time(field::CREATED_AT)?,
    })
}
