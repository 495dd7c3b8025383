//! `getUserInfo`, `updateUserInfo`, `bindPhone` and `subscribe`: the caller's own profile and
//! the subscribe messages they allow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::domain::users::{AvatarUrl, Nickname, PhoneCode, UserProfile};
use crate::runtime::http::{Limit, NoInput, endpoint};
use crate::services::notices::Subscriptions;
use crate::services::profile::{BoundPhone, Phones, ProfileEditor, ProfileUpdate, Profiles};

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
    /// `PATCH /users/me`: a new nickname passes WeChat's content check first.
    UpdateUserInfo: PATCH "update-user-info", Caller, ProfileEditor, limit = Limit::PerUser(Scope::Profile);
    fn(profiles, ctx, input: UpdateUserInput) -> UserProfile {
        let update = ProfileUpdate {
            nickname: input.nickname,
            avatar_url: input.avatar_url,
            avatar_key: input.avatar_key,
        };
        profiles.update(&ctx.caller.openid, update).await
    }
}

/// `bindPhone`'s body: the `code` of `<button open-type="getPhoneNumber">`'s event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindPhoneInput {
    pub code: PhoneCode,
}

endpoint! {
    /// `POST /users/me/phone`: the number behind the button's code, bound to the caller; answered masked.
    BindPhone: POST "bind-phone", Caller, Phones, limit = Limit::PerUser(Scope::Profile), metric = "PhonesBound";
    fn(phones, ctx, input: BindPhoneInput) -> BoundPhone {
        phones.bind(&ctx.caller.openid, &input.code).await
    }
}

/// `subscribe`'s body: the template ids `wx.requestSubscribeMessage` answered `accept` for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    pub accepted: Vec<String>,
}

/// How many messages of each template the caller now allows.
#[derive(Debug, Serialize)]
pub struct SubscriptionCounts {
    pub subscriptions: BTreeMap<String, u32>,
}

endpoint! {
    /// `POST /users/me/subscriptions`: one more message of each accepted template is allowed.
    Subscribe: POST "subscribe", Caller, Subscriptions, limit = Limit::PerUser(Scope::Profile);
    fn(subscriptions, ctx, input: SubscribeInput) -> SubscriptionCounts {
        subscriptions
            .accept(&ctx.caller.openid, &input.accepted)
            .await
            .map(|subscriptions| SubscriptionCounts { subscriptions })
    }
}
