//! Login: a `wx.login()` code in, a new session (access and refresh tokens) out.

use std::sync::Arc;

use crate::domain::ids::Openid;
use crate::domain::limits::Scope;
use crate::domain::users::{LoginCode, UserProfile};
use crate::files::objects::{FileError, Files};
use crate::infra::store::{NewSession, StorageError, Store};
use crate::infra::tokens::{AccessToken, RefreshToken, TokenError, TokenSigner};
use crate::infra::wechat::{WeChatClient, WeChatError};
use crate::runtime::config::ConfigError;
use crate::runtime::limits::{LimitError, Limiter};
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
    Limited(#[from] LimitError),
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
    limiter: Limiter,
}

impl Login {
    pub fn new(
        wechat: WeChatClient,
        store: Store,
        tokens: Arc<TokenSigner>,
        files: Files,
        limiter: Limiter,
    ) -> Self {
        Self {
            wechat,
            store,
            tokens,
            files,
            limiter,
        }
    }

    /// Logs in the holder of `code`, calling from `source_ip`. The address is refused once its
    /// codes failed too often (a read, before WeChat is asked); a code WeChat refuses counts as one
    /// failure of the address; a success counts toward the user's own limit, never the address's
    /// (thousands of real users share a NAT's address). The user's count, the user upsert and the
    /// new session go concurrently (one round trip of latency).
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, code: &LoginCode, source_ip: &str) -> Result<Session, LoginError> {
        self.limiter.check(Scope::LoginFailure, source_ip).await?;
        let wechat = match self.wechat.code_to_session(code).await.map_err(LoginError::from) {
            Ok(wechat) => wechat,
            Err(err @ (LoginError::CodeRejected | LoginError::CodeUsed)) => {
                if let Err(count) = self.limiter.count(Scope::LoginFailure, source_ip).await {
                    tracing::warn!(error = %count, "could not count a failed login");
                }
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        let now = self.tokens.clock().now();
        // The user's count beside the writes (a refusal leaves an unused session item to expire).
        let ((), record, (access, refresh)) = tokio::try_join!(
            async {
                self.limiter
                    .admit(Scope::LoginUser, wechat.openid.as_str())
                    .await
                    .map_err(LoginError::from)
            },
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
            Limiter::build(startup).await?,
        ))
    }
}
