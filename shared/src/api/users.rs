//! `getUserInfo` and `updateUserInfo`: the caller's own profile.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::domain::ids::Caller;
use crate::domain::users::{AvatarUrl, Nickname, UserProfile};
use crate::runtime::error::ApiError;
use crate::runtime::http::{Context, Endpoint, NoInput};
use crate::services::profile::{ProfileUpdate, Profiles};

/// `GET /users/me`.
pub struct GetUserInfo;

impl Endpoint for GetUserInfo {
    const NAME: &'static str = "get-user-info";
    const METHOD: Method = Method::GET;
    type Auth = Caller;
    type Input = NoInput;
    type Output = UserProfile;
    type Service = Profiles;

    async fn handle(
        profiles: &Profiles,
        ctx: &Context<Caller>,
        _input: NoInput,
    ) -> Result<UserProfile, ApiError> {
        Ok(profiles.get(&ctx.caller.openid).await?)
    }
}

/// `PATCH /users/me`.
pub struct UpdateUserInfo;

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
    type Auth = Caller;
    type Input = UpdateUserInput;
    type Output = UserProfile;
    type Service = Profiles;

    async fn handle(
        profiles: &Profiles,
        ctx: &Context<Caller>,
        input: UpdateUserInput,
    ) -> Result<UserProfile, ApiError> {
        let update = ProfileUpdate {
            nickname: input.nickname,
            avatar_url: input.avatar_url,
            avatar_key: input.avatar_key,
        };
        Ok(profiles.update(&ctx.caller.openid, update).await?)
    }
}
