//! `login`: a `wx.login()` code in, our session tokens out.

use std::sync::Arc;

use lambda_http::http::Method;
use serde::{Deserialize, Serialize};

use crate::auth::{TokenService, random_id};
use crate::config::ConfigError;
use crate::error::ApiError;
use crate::files::Files;
use crate::http::{Access, Context, Endpoint};
use crate::startup::Startup;
use crate::store::{NewSession, Store};
use crate::time::Timestamp;
use crate::users::UserProfile;
use crate::wechat::{LoginCode, WeChatClient};

/// `POST /auth/login`.
pub struct Login {
    wechat: WeChatClient,
    store: Store,
    tokens: Arc<TokenService>,
    files: Files,
}

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

impl Endpoint for Login {
    const NAME: &'static str = "login";
    const METHOD: Method = Method::POST;
    const ACCESS: Access = Access::Public;
    type Input = LoginInput;
    type Output = LoginOutput;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            wechat: startup.wechat().await?,
            store: startup.store(),
            tokens: startup.token_service().await?,
            files: startup.files()?,
        })
    }

    /// jscode2session, then the user upsert and the new session written concurrently
    /// (one round trip of latency, two writes).
    async fn handle(&self, _ctx: &Context, input: LoginInput) -> Result<LoginOutput, ApiError> {
        let wechat = self.wechat.code_to_session(&input.code).await?;
        let now = Timestamp::now();
        let session_id = random_id(16);
        let refresh = self.tokens.issue_refresh(&session_id);
        let access = self.tokens.issue_access(&wechat.openid, &session_id, now)?;
        let session = NewSession {
            session_id,
            openid: wechat.openid.clone(),
            refresh_hash: refresh.hash.clone(),
            created_at: now,
            expires_at: now.plus(refresh.expires_in),
        };
        let (record, ()) = tokio::try_join!(
            self.store
                .record_login(&wechat.openid, wechat.unionid.as_deref(), now),
            self.store.put_session(&session),
        )?;
        Ok(LoginOutput {
            access_token: access.token.expose().to_owned(),
            expires_in: access.expires_in.as_secs(),
            refresh_token: refresh.token.expose().to_owned(),
            refresh_expires_in: refresh.expires_in.as_secs(),
            is_new_user: record.is_new_user,
            user: self.files.resolve_avatar(record.profile).await?,
        })
    }
}
