//! `getUserInfo` and `updateUserInfo`: the caller's own profile.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::error::ApiError;
use crate::files::Files;
use crate::http::{Access, Context, Endpoint, NoInput};
use crate::startup::Startup;
use crate::store::Store;
use crate::time::Timestamp;
use crate::users::{Avatar, AvatarUrl, Nickname, ProfilePatch, UserProfile};

/// `GET /users/me`.
pub struct GetUserInfo {
    store: Store,
    files: Files,
}

impl Endpoint for GetUserInfo {
    const NAME: &'static str = "get-user-info";
    const METHOD: Method = Method::GET;
    const ACCESS: Access = Access::Token;
    type Input = NoInput;
    type Output = UserProfile;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
            files: startup.files()?,
        })
    }

    async fn handle(&self, ctx: &Context, _input: NoInput) -> Result<UserProfile, ApiError> {
        let caller = ctx.caller()?;
        let profile = self
            .store
            .get_user(&caller.openid)
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        self.files.resolve_avatar(profile).await
    }
}

/// `PATCH /users/me`.
pub struct UpdateUserInfo {
    store: Store,
    files: Files,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateUserInput {
    pub nickname: Option<Nickname>,
    pub avatar_url: Option<AvatarUrl>,
    /// An image the caller uploaded with `uploadToken`.
    pub avatar_key: Option<String>,
}

impl Endpoint for UpdateUserInfo {
    const NAME: &'static str = "update-user-info";
    const METHOD: Method = Method::PATCH;
    const ACCESS: Access = Access::Token;
    type Input = UpdateUserInput;
    type Output = UserProfile;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
            files: startup.files()?,
        })
    }

    async fn handle(&self, ctx: &Context, input: UpdateUserInput) -> Result<UserProfile, ApiError> {
        let caller = ctx.caller()?;
        let avatar = match (input.avatar_url, input.avatar_key) {
            (Some(_), Some(_)) => {
                return Err(ApiError::validation(
                    "avatarKey",
                    "give avatarUrl or avatarKey, not both",
                ));
            }
            (Some(url), None) => Some(Avatar::Url(url)),
            (None, Some(key)) => Some(Avatar::Upload(
                self.files.owned_image(&caller.openid, &key).await?,
            )),
            (None, None) => None,
        };
        let patch = ProfilePatch {
            nickname: input.nickname,
            avatar,
        };
        if patch.is_empty() {
            return Err(ApiError::validation(
                "body",
                "give at least one of nickname, avatarUrl, avatarKey",
            ));
        }
        let profile = self
            .store
            .update_user(&caller.openid, &patch, Timestamp::now())
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        self.files.resolve_avatar(profile).await
    }
}
