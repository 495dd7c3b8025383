//! One WeChat access token for every instance of every function. It lives in the table; an
//! instance keeps a copy in memory until it is due for refresh. When it is due, one instance (the
//! holder of a short conditional lease) asks `stable_token` for the next one while the others go
//! on with the current one, which WeChat keeps accepting for its last minutes. A token WeChat
//! refuses (40001, 42001) is replaced once, by a forced refresh when WeChat's 30-second spacing
//! allows it, and the call is tried once more.
//!
//! Only functions that hold the app secret refresh: in a deployment, the scheduled
//! `refresh-wechat-token` (every minute, [`AccessTokens::refresh_if_due`]). The others only read
//! the shared token; one WeChat refuses is reported in the table, so the refresher replaces it
//! by force on its next run, and the caller is answered 503 meanwhile.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::crypto::{Secret, random_id};
use super::retry::Backoff;
use super::store::{CachedToken, StorageError, Store};
use super::wechat::{WeChatClient, WeChatError};
use crate::domain::time::{Clock, Timestamp};

/// A token is refreshed this long before it expires (WeChat overlaps old and new for 5 minutes).
pub const REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// How long one instance may take to refresh before another may try.
pub const LEASE: Duration = Duration::from_secs(10);
/// WeChat allows forced refreshes this far apart at the closest.
pub const FORCE_SPACING: Duration = Duration::from_secs(30);
/// A function that cannot refresh stops using a token this long before it expires.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// An instance waiting for another's refresh reads the table again: 50 ms, 100 ms, ... 10 times.
const WAIT_FOR_REFRESH: Backoff = Backoff {
    attempts: 10,
    base: Duration::from_millis(50),
    max: Duration::from_millis(800),
    jitter: true,
};

/// How getting a token or a call with it failed.
#[derive(Debug, thiserror::Error)]
pub enum AccessTokenError {
    #[error(transparent)]
    WeChat(#[from] WeChatError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("another instance is refreshing the access token and has not finished")]
    Busy,
    /// This function only reads the shared token, and there is no usable one yet.
    #[error("no usable WeChat access token: the refresher has not supplied one yet")]
    NotReady,
}

/// What a scheduled refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshReport {
    pub refreshed: bool,
    pub forced: bool,
}

/// The shared access token, built once per process.
#[derive(Clone)]
pub struct AccessTokens {
    wechat: WeChatClient,
    store: Store,
    clock: Clock,
    /// This process's copy: used until it is due for refresh.
    local: Arc<Mutex<Option<CachedToken>>>,
    /// Names this process as a lease holder.
    holder: Arc<str>,
}

impl AccessTokens {
    pub fn new(wechat: WeChatClient, store: Store, clock: Clock) -> Self {
        Self {
            wechat,
            store,
            clock,
            local: Arc::default(),
            holder: random_id(12).into(),
        }
    }

    /// Calls `api` with the WeChat client and the current token; when WeChat refuses the token,
    /// replaces it once and calls once more.
    pub async fn call<'a, T, F, Fut>(&'a self, api: F) -> Result<T, AccessTokenError>
    where
        F: Fn(&'a WeChatClient, Secret) -> Fut,
        Fut: Future<Output = Result<T, WeChatError>>,
    {
        let token = self.token(None).await?;
        match api(&self.wechat, token.clone()).await {
            Err(WeChatError::TokenRejected(code)) => {
                tracing::warn!(
                    errcode = code,
                    "WeChat refused the access token: replacing it once"
                );
                let fresh = self.token(Some(&token)).await?;
                Ok(api(&self.wechat, fresh).await?)
            }
            result => Ok(result?),
        }
    }

    /// Whether this process may ask WeChat for a token (it holds the app secret).
    pub fn refreshes(&self) -> bool {
        self.wechat.holds_secret()
    }

    /// The scheduled refresh: replaces the shared token when it is missing, due, or reported
    /// refused (then by force, when WeChat's spacing allows). One consistent read when nothing
    /// is due.
    pub async fn refresh_if_due(&self) -> Result<RefreshReport, AccessTokenError> {
        let now = self.clock.now();
        let mut state = self.store.access_token().await?;
        if state.rejected_at.is_none() {
            state.rejected_at = self.store.token_reported_refused(&state).await?;
        }
        let idle = RefreshReport {
            refreshed: false,
            forced: false,
        };
        let force = state.rejected_at.is_some();
        // A refused token asked for without force comes back unchanged: wait for WeChat's spacing.
        if force && state.forced_at.is_some_and(|at| now < at.plus(FORCE_SPACING)) {
            return Ok(idle);
        }
        let due = force || state.token.as_ref().is_none_or(|cached| cached.refresh_at <= now);
        // A reported token is due whatever its refresh time: the lease names it.
        let reported = force
            .then(|| state.token.as_ref().map(|cached| &cached.token))
            .flatten();
        if !due
            || !self
                .store
                .take_token_lease(&self.holder, now, now.plus(LEASE), reported)
                .await?
        {
            return Ok(idle);
        }
        self.refresh(force).await?;
        Ok(RefreshReport {
            refreshed: true,
            forced: force,
        })
    }

    /// A token to use now, never `rejected`.
    async fn token(&self, rejected: Option<&Secret>) -> Result<Secret, AccessTokenError> {
        if !self.refreshes() {
            return self.read_token(rejected).await;
        }
        let not_rejected =
            |cached: &CachedToken| rejected.is_none_or(|r| r.expose() != cached.token.expose());
        let usable = |cached: &CachedToken, now: Timestamp| now < cached.refresh_at && not_rejected(cached);
        if let Some(local) = self.local_copy()
            && usable(&local, self.clock.now())
        {
            return Ok(local.token);
        }
        let mut attempts = WAIT_FOR_REFRESH.start();
        loop {
            let now = self.clock.now();
            let state = self.store.access_token().await?;
            if let Some(cached) = &state.token
                && usable(cached, now)
            {
                self.keep(cached.clone());
                return Ok(cached.token.clone());
            }
            if self
                .store
                .take_token_lease(&self.holder, now, now.plus(LEASE), rejected)
                .await?
            {
                let force = (rejected.is_some() || state.rejected_at.is_some())
                    && state.forced_at.is_none_or(|at| at.plus(FORCE_SPACING) <= now);
                return self.refresh(force).await;
            }
            // Another instance is refreshing (or just did: the next read sees it). A token due
            // for refresh but not expired (nor refused) still works meanwhile.
            if let Some(cached) = &state.token
                && now < cached.expires_at
                && not_rejected(cached)
            {
                return Ok(cached.token.clone());
            }
            attempts.wait().await.map_err(|_| AccessTokenError::Busy)?;
        }
    }

    /// A token to use now, never `rejected`, for a process that cannot refresh: the shared one
    /// until a minute before it expires. A `rejected` one still shared is reported for the
    /// refresher.
    async fn read_token(&self, rejected: Option<&Secret>) -> Result<Secret, AccessTokenError> {
        let usable = |cached: &CachedToken, now: Timestamp| {
            now.plus(EXPIRY_MARGIN) < cached.expires_at
                && rejected.is_none_or(|r| r.expose() != cached.token.expose())
        };
        if let Some(local) = self.local_copy()
            && usable(&local, self.clock.now())
        {
            return Ok(local.token);
        }
        let now = self.clock.now();
        let state = self.store.access_token().await?;
        if let Some(cached) = &state.token
            && usable(cached, now)
        {
            self.keep(cached.clone());
            return Ok(cached.token.clone());
        }
        if let Some(rejected) = rejected
            && state
                .token
                .as_ref()
                .is_some_and(|cached| cached.token.expose() == rejected.expose())
        {
            self.store.report_rejected_token(rejected, now).await?;
            tracing::warn!("reported the refused WeChat access token to the refresher");
        }
        Err(AccessTokenError::NotReady)
    }

    /// Asks WeChat for the token (holding the lease), shares it and keeps a copy.
    async fn refresh(&self, force: bool) -> Result<Secret, AccessTokenError> {
        let answered = match self.wechat.stable_token(force).await {
            Ok(answered) => answered,
            Err(err) => {
                if let Err(release) = self.store.release_token_lease(&self.holder).await {
                    tracing::warn!(error = %release, "could not release the access token lease");
                }
                return Err(err.into());
            }
        };
        let now = self.clock.now();
        let lifetime = answered.expires_in;
        // A token answered in its last minutes (WeChat renews 5 min ahead) is used for a
        // tenth of what is left before the next refresh, rather than asked for again at once.
        let refresh_in = lifetime
            .checked_sub(REFRESH_AHEAD)
            .filter(|d| !d.is_zero())
            .unwrap_or(lifetime / 10);
        let cached = CachedToken {
            token: answered.token,
            refresh_at: now.plus(refresh_in),
            expires_at: now.plus(lifetime),
            forced_at: force.then_some(now),
        };
        self.store.save_access_token(&cached).await?;
        tracing::info!(
            force_refresh = force,
            expires_in = lifetime.as_secs(),
            "refreshed the WeChat access token"
        );
        self.keep(cached.clone());
        Ok(cached.token)
    }

    fn local_copy(&self) -> Option<CachedToken> {
        self.local.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn keep(&self, cached: CachedToken) {
        *self.local.lock().unwrap_or_else(|p| p.into_inner()) = Some(cached);
    }
}
