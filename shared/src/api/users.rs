//! `getUserInfo` and `updateUserInfo`: the caller's own profile.

use serde::Deserialize;

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::domain::users::{AvatarUrl, Nickname, UserProfile};
use crate::runtime::http::{Limit, NoInput, endpoint};
use crate::services::profile::{ProfileUpdate, Profiles};

endpoint! {
    /// `GET /users/me`.
    GetUserInfo: GET "get-user-info", Caller, Profiles;
    fn(profiles, ctx, _input: NoInput) -> UserProfile {
        profiles.get(&ctx.caller.openid).await
    }
}

/// `updateUserInfo`'s body: absent fields stay as they are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateUserInput {
    pub nickname: Option<Nickname>,
    pub avatar_url: Option<AvatarUrl>,
    /// An image the caller uploaded with `uploadToken`.
    pub avatar_key: Option<String>,
}

endpoint! {
    /// `PATCH /users/me`.
    UpdateUserInfo: PATCH "update-user-info", Caller, Profiles, limit = Limit::PerUser(Scope::Profile);
    fn(profiles, ctx, input: UpdateUserInput) -> UserProfile {
        let update = ProfileUpdate {
            nickname: input.nickname,
            avatar_url: input.avatar_url,
            avatar_key: input.avatar_key,
        };
        profiles.update(&ctx.caller.openid, update).await
    }
}
