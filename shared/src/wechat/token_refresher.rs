//! The scheduled refresh of the WeChat access token every other function reads.

use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::runtime::config::{ConfigError, vars};
use crate::runtime::startup::{Build, Startup};

/// What one refresher run did.
pub use crate::infra::access_token::RefreshReport;

/// The shared access token, held with the app secret. Built once per process by
/// `refresh-wechat-token`, the one function (with login) whose role may read the secret.
#[derive(Clone)]
pub struct TokenRefresher(AccessTokens);

impl TokenRefresher {
    /// `tokens` must hold the app secret: a refresher that cannot ask WeChat would never refresh.
    pub fn new(tokens: AccessTokens) -> Option<Self> {
        tokens.refreshes().then_some(Self(tokens))
    }

    /// Replaces the shared token when it is missing, due or reported refused.
    #[tracing::instrument(skip_all)]
    pub async fn run(&self) -> Result<RefreshReport, AccessTokenError> {
        self.0.refresh_if_due().await
    }
}

impl Build for TokenRefresher {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let tokens = AccessTokens::new(startup.wechat().await?, startup.store(), startup.clock());
        TokenRefresher::new(tokens).ok_or(ConfigError::Missing(vars::WECHAT_SECRET))
    }
}
