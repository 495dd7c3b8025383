//! The identity endpoints: `login`, `refresh` and `logout` (a `wx.login()` code in, our session
//! tokens out; a refresh token in, new tokens out; a session, or all of a user's, ended), and the
//! caller's own profile: `getUserInfo`, `updateUserInfo`, `bindPhone`.

use serde::{Deserialize, Serialize};

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::domain::users::{AvatarUrl, LoginCode, Nickname, PhoneCode, UserProfile};
use crate::identity::login;
use crate::identity::login::Session;
use crate::identity::profile::{BoundPhone, Phones, ProfileEditor, ProfileUpdate, Profiles};
use crate::identity::sessions::{LogoutReport, Logouts, Sessions};
use crate::runtime::http::{Limit, NoInput, Public, endpoint};

/// `login`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub code: LoginCode,
}

/// The answer of `login` and `refresh`: the tokens and the user.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginOutput {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
    pub is_new_user: bool,
    pub user: UserProfile,
}

impl From<Session> for LoginOutput {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access.token.expose().to_owned(),
            expires_in: session.access.expires_in.as_secs(),
            refresh_token: session.refresh.token.expose().to_owned(),
            refresh_expires_in: session.refresh.expires_in.as_secs(),
            is_new_user: session.is_new_user,
            user: session.user,
        }
    }
}

endpoint! {
    /// `POST /auth/login`.
    Login: POST "login", Public, login::Login, limit = Limit::PerIp(Scope::Login), metric = "Logins";
    fn(service, ctx, input: LoginInput) -> LoginOutput {
        service.login(&input.code, ctx.source_ip()).await.map(LoginOutput::from)
    }
}

/// `refresh`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshInput {
    pub refresh_token: String,
}

endpoint! {
    /// `POST /auth/refresh`: a new access token and a new refresh token; the old one is spent.
    Refresh: POST "refresh", Public, Sessions, limit = Limit::PerIp(Scope::Refresh);
    fn(sessions, ctx, input: RefreshInput) -> LoginOutput {
        sessions.refresh(&input.refresh_token, ctx.source_ip()).await.map(LoginOutput::from)
    }
}

/// `logout`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogoutInput {
    /// End every session of the user, not only this one.
    #[serde(default)]
    pub all: bool,
}

endpoint! {
    /// `POST /auth/logout`: ends the caller's session, or with `{"all": true}` every session of the user.
    Logout: POST "logout", Caller, Logouts;
    fn(logouts, ctx, input: LogoutInput) -> LogoutReport {
        logouts.logout(&ctx.caller, input.all).await
    }
}

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
