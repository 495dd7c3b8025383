//! `login`: a `wx.login()` code in, our session tokens out.

use lambda_http::http::Method;
use serde::{Deserialize, Serialize};

use crate::domain::users::{LoginCode, UserProfile};
use crate::runtime::error::ApiError;
use crate::runtime::http::{Context, Endpoint, Public};
use crate::services::login::{self, Session};

/// `POST /auth/login`.
pub struct Login;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub code: LoginCode,
}

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

impl Endpoint for Login {
    const NAME: &'static str = "login";
    const METHOD: Method = Method::POST;
    type Auth = Public;
    type Input = LoginInput;
    type Output = LoginOutput;
    type Service = login::Login;

    async fn handle(
        service: &login::Login,
        _ctx: &Context<Public>,
        input: LoginInput,
    ) -> Result<LoginOutput, ApiError> {
        Ok(service.login(&input.code).await?.into())
    }
}
