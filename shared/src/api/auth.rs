//! `login`: a `wx.login()` code in, our session tokens out.

use serde::{Deserialize, Serialize};

use crate::domain::users::{LoginCode, UserProfile};
use crate::runtime::http::{Public, endpoint};
use crate::services::login::{self, Session};

/// `login`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub code: LoginCode,
}

/// `login`'s answer: the tokens and the user.
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
    Login: POST "login", Public, login::Login;
    fn(service, _ctx, input: LoginInput) -> LoginOutput {
        service.login(&input.code).await.map(LoginOutput::from)
    }
}
