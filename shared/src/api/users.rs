//! `getUserInfo` and `updateUserInfo`: the caller's own profile.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::error::ApiError;
use crate::http::{Access, Context, Endpoint, NoInput};
use crate::startup::Startup;
use crate::store::Store;
use crate::time::Timestamp;
use crate::users::{AvatarUrl, Nickname, ProfilePatch, UserProfile};

/// `GET /users/me`.
pub struct GetUserInfo {
    store: Store,
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
        })
    }

    async fn handle(&self, ctx: &Context, _input: NoInput) -> Result<UserProfile, ApiError> {
        let caller = ctx.caller()?;
        self.store
            .get_user(&caller.openid)
            .await?
            .ok_or(ApiError::NotFound("user"))
    }
}

/// `PATCH /users/me`.
pub struct UpdateUserInfo {
    store: Store,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateUserInput {
    pub nickname: Option<Nickname>,
    pub avatar_url: Option<AvatarUrl>,
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
        })
    }

    async fn handle(&self, ctx: &Context, input: UpdateUserInput) -> Result<UserProfile, ApiError> {
        let caller = ctx.caller()?;
        let patch = ProfilePatch {
            nickname: input.nickname,
            avatar_url: input.avatar_url,
        };
        if patch.is_empty() {
            return Err(ApiError::validation(
                "body",
                "give at least one of nickname, avatarUrl",
            ));
        }
        self.store
            .update_user(&caller.openid, &patch, Timestamp::now())
            .await?
            .ok_or(ApiError::NotFound("user"))
    }
}
