//! Sessions after login: the per-request check that a token's session is still open, refresh
//! with rotation and reuse detection, and logout (one session or all of a user's).

use std::sync::Arc;

use serde::Serialize;

use crate::domain::ids::Caller;
use crate::domain::limits::Scope;
use crate::domain::time::Clock;
use crate::files::objects::{FileError, Files};
use crate::identity::login::Session;
use crate::infra::store::{RevokeReason, Rotation, SessionStatus, StorageError, Store};
use crate::infra::tokens::{TokenError, TokenSigner, parse_refresh};
use crate::runtime::config::ConfigError;
use crate::runtime::limits::{LimitError, Limiter};
use crate::runtime::startup::{Build, Startup};

/// Why a token or a session was refused.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The session was ended (logout, or a refresh token presented twice).
    #[error("the session has ended")]
    Revoked,
    #[error("the refresh token has expired")]
    RefreshExpired,
    /// Not a refresh token of ours, or of no session we know.
    #[error("the refresh token is invalid")]
    RefreshInvalid,
    /// A spent refresh token came back: the session is ended, as its tokens may be stolen.
    #[error("the refresh token was already used; the session has ended")]
    RefreshReused,
    /// The session is fine but its user is gone.
    #[error("the session's user no longer exists")]
    UserGone,
    #[error(transparent)]
    Limited(#[from] LimitError),
    #[error(transparent)]
    Files(#[from] FileError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a logout ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoutReport {
    pub revoked: usize,
}

/// Refresh and logout.
#[derive(Clone)]
pub struct Sessions {
    store: Store,
    signer: Arc<TokenSigner>,
    files: Files,
    limiter: Limiter,
}

impl Sessions {
    /// A refresh token of no session, or with a wrong secret: counted against the address, and
    /// refused as invalid (a failure to count it is logged, not answered).
    async fn failure(&self, source_ip: &str) -> SessionError {
        if let Err(err) = self.limiter.count(Scope::RefreshFailure, source_ip).await {
            tracing::warn!(error = %err, "could not count a failed refresh");
        }
        SessionError::RefreshInvalid
    }

    pub fn new(store: Store, signer: Arc<TokenSigner>, files: Files, limiter: Limiter) -> Self {
        Self {
            store,
            signer,
            files,
            limiter,
        }
    }

    /// Spends `refresh_token`, presented from `source_ip`, for a new access token and a new refresh
    /// token: one conditional UpdateItem (the rotation) and one GetItem (the profile), after two
    /// reads of the limits. Only the token the current one replaced is reuse, and ends the whole
    /// session; any other secret is a plain refusal that changes nothing and counts as a failure
    /// of the address (a session id is readable in every access token, so it is no secret). Of
    /// two concurrent refreshes with the same token, one rotates and the other counts as reuse
    /// (see docs/data-model.md for why there is no grace period).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str, source_ip: &str) -> Result<Session, SessionError> {
        self.limiter.check(Scope::RefreshFailure, source_ip).await?;
        let Some(presented) = parse_refresh(refresh_token) else {
            return Err(self.failure(source_ip).await);
        };
        let session_id = presented.session_id;
        self.limiter
            .check(Scope::RefreshSession, session_id.as_str())
            .await?;
        let now = self.signer.clock().now();
        let refresh = self.signer.issue_refresh(&session_id);
        let rotation = self
            .store
            .rotate_refresh(
                &session_id,
                &presented.hash,
                &refresh.hash,
                now,
                self.signer.refresh_expiry(now),
            )
            .await?;
        let openid = match rotation {
            Rotation::Rotated { openid } => openid,
            Rotation::Refused(Some(session))
                if session.refresh_hash != presented.hash
                    && session.previous_refresh_hash.as_deref() != Some(presented.hash.as_str()) =>
            {
                return Err(self.failure(source_ip).await);
            }
            Rotation::Refused(None) => return Err(self.failure(source_ip).await),
            Rotation::Refused(Some(session)) if session.status == SessionStatus::Revoked => {
                return Err(SessionError::Revoked);
            }
            Rotation::Refused(Some(session)) if session.expires_at <= now => {
                return Err(SessionError::RefreshExpired);
            }
            Rotation::Refused(Some(session)) => {
                tracing::warn!(
                    security_event = "refresh_token_reuse",
                    session = %session_id,
                    openid = %session.openid,
                    "the refresh token this session's current one replaced was presented; ending the session"
                );
                self.store
                    .revoke_session(&session_id, RevokeReason::RefreshReuse, now)
                    .await?;
                return Err(SessionError::RefreshReused);
            }
        };
        self.limiter
            .count(Scope::RefreshSession, session_id.as_str())
            .await?;
        let access = self.signer.issue_access(&openid, &session_id)?;
        let user = self
            .store
            .get_user(&openid)
            .await?
            .ok_or(SessionError::UserGone)?;
        Ok(Session {
            access,
            refresh,
            is_new_user: false,
            user: self.files.resolve_avatar(user).await?,
        })
    }
}

/// Logout: ends sessions. Holds no signing key.
#[derive(Clone)]
pub struct Logouts {
    store: Store,
    clock: Clock,
}

impl Logouts {
    pub fn new(store: Store, clock: Clock) -> Self {
        Self { store, clock }
    }

    /// Ends the caller's session (one UpdateItem), or every session of the caller's user when
    /// `all` is set (one Query per page of sessions, then one UpdateItem per active session).
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, caller: &Caller, all: bool) -> Result<LogoutReport, SessionError> {
        let now = self.clock.now();
        let revoked = if all {
            self.store
                .revoke_user_sessions(&caller.openid, RevokeReason::LogoutAll, now)
                .await?
        } else {
            let done = self
                .store
                .revoke_session(&caller.session_id, RevokeReason::Logout, now)
                .await?;
            usize::from(done)
        };
        Ok(LogoutReport { revoked })
    }
}

impl Build for Sessions {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Sessions::new(
            startup.store(),
            startup.token_signer().await?,
            Files::build(startup).await?,
            Limiter::build(startup).await?,
        ))
    }
}

impl Build for Logouts {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Logouts::new(startup.store(), startup.clock()))
    }
}
