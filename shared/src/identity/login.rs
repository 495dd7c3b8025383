//! Login: a `wx.login()` code in, a new session (access and refresh tokens) out.

use std::sync::Arc;

use crate::domain::ids::Openid;
use crate::domain::users::{LoginCode, UserProfile};
use crate::files::objects::{FileError, Files};
use crate::infra::store::{NewSession, StorageError, Store};
use crate::infra::tokens::{AccessToken, RefreshToken, TokenError, TokenSigner};
use crate::infra::wechat::{WeChatClient, WeChatError};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// WeChat does not know the code: call `wx.login()` again.
    #[error("WeChat rejected the login code")]
    CodeRejected,
    #[error("the login code was already used")]
    CodeUsed,
    #[error("WeChat has blocked this user for risk control")]
    UserBlocked,
    #[error("WeChat is rate-limiting logins")]
    Throttled,
    #[error(transparent)]
    WeChat(WeChatError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Files(#[from] FileError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<WeChatError> for LoginError {
    fn from(err: WeChatError) -> Self {
        match err {
            WeChatError::CodeInvalid => Self::CodeRejected,
            WeChatError::CodeUsed => Self::CodeUsed,
            WeChatError::UserBlocked => Self::UserBlocked,
            WeChatError::RateLimited => Self::Throttled,
            other => Self::WeChat(other),
        }
    }
}

/// A new session.
#[derive(Debug)]
pub struct Session {
    pub access: AccessToken,
    pub refresh: RefreshToken,
    pub is_new_user: bool,
    pub user: UserProfile,
}

/// Opens a new session for `openid` (one PutItem: the refresh token's hash, never the token) and
/// answers its access and refresh tokens.
pub async fn open_session(
    store: &Store,
    signer: &TokenSigner,
    openid: &Openid,
) -> Result<(AccessToken, RefreshToken), LoginError> {
    let now = signer.clock().now();
    let session_id = signer.new_session_id();
    let refresh = signer.issue_refresh(&session_id);
    let access = signer.issue_access(openid, &session_id)?;
    store
        .put_session(&NewSession {
            session_id,
            openid: openid.clone(),
            refresh_hash: refresh.hash.clone(),
            created_at: now,
            expires_at: signer.refresh_expiry(now),
        })
        .await?;
    Ok((access, refresh))
}

/// Logs users in.
#[derive(Clone)]
pub struct Login {
    wechat: WeChatClient,
    store: Store,
    tokens: Arc<TokenSigner>,
    files: Files,
}

impl Login {
    pub fn new(wechat: WeChatClient, store: Store, tokens: Arc<TokenSigner>, files: Files) -> Self {
        Self {
            wechat,
            store,
            tokens,
            files,
        }
    }

    /// jscode2session, then the user upsert and the new session written concurrently
    /// (one round trip of latency, two writes).
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, code: &LoginCode) -> Result<Session, LoginError> {
        let wechat = self.wechat.code_to_session(code).await?;
        let now = self.tokens.clock().now();
        let (record, (access, refresh)) = tokio::try_join!(
            async {
                Ok(self
                    .store
                    .record_login(&wechat.openid, wechat.unionid.as_deref(), now)
                    .await?)
            },
            open_session(&self.store, &self.tokens, &wechat.openid),
        )?;
        Ok(Session {
            access,
            refresh,
            is_new_user: record.is_new_user,
            user: self.files.resolve_avatar(record.profile).await?,
        })
    }
}

impl Build for Login {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Login::new(
            startup.wechat().await?,
            startup.store(),
            startup.token_signer().await?,
            Files::build(startup).await?,
        ))
    }
}
