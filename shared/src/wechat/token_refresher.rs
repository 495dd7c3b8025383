//! The scheduled refresh of the WeChat access token every other function reads; on the same
//! schedule, WeChat's delivery companies when a day old and the order centre's jump path when it
//! changed (see [`crate::fulfilment::platform`]).

use serde::Serialize;

use crate::fulfilment::platform::ShippingPlatform;
use crate::fulfilment::settings::order_jump_path;
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::runtime::config::{ConfigError, vars};
use crate::runtime::startup::{Build, Startup};

/// What the token part of a run did.
pub use crate::infra::access_token::RefreshReport;

/// What one refresher run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefresherReport {
    pub token: RefreshReport,
    /// WeChat's delivery companies were fetched again (missing or a day old).
    pub carriers_fetched: bool,
    /// WeChat's order centre was told where to open orders.
    pub jump_path_set: bool,
}

/// The shared access token, held with the app secret. Built once per process by
/// `refresh-wechat-token`, the one function (with login) whose role may read the secret.
#[derive(Clone)]
pub struct TokenRefresher {
    tokens: AccessTokens,
    platform: ShippingPlatform,
    jump_path: Option<String>,
}

impl TokenRefresher {
    /// `tokens` must hold the app secret: a refresher that cannot ask WeChat would never refresh.
    pub fn new(tokens: AccessTokens, platform: ShippingPlatform, jump_path: Option<String>) -> Option<Self> {
        tokens.refreshes().then_some(Self {
            tokens,
            platform,
            jump_path,
        })
    }

    /// Replaces the shared token when it is missing, due or reported refused; then keeps the
    /// delivery companies and the jump path current. Only the token's failure fails the run:
    /// the others are tried again on the next.
    #[tracing::instrument(skip_all)]
    pub async fn run(&self) -> Result<RefresherReport, AccessTokenError> {
        let token = self.tokens.refresh_if_due().await?;
        let carriers_fetched = self
            .platform
            .refresh_if_stale()
            .await
            .inspect_err(|err| tracing::warn!(error = %err, "the delivery companies were not refreshed"))
            .unwrap_or(false);
        let jump_path_set = match &self.jump_path {
            Some(path) => self
                .platform
                .ensure_jump_path(path)
                .await
                .inspect_err(|err| tracing::warn!(error = %err, "the order centre's jump path was not set"))
                .unwrap_or(false),
            None => false,
        };
        Ok(RefresherReport {
            token,
            carriers_fetched,
            jump_path_set,
        })
    }
}

impl Build for TokenRefresher {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let tokens = AccessTokens::new(startup.wechat().await?, startup.store(), startup.clock());
        let platform = ShippingPlatform::new(startup.store(), tokens.clone(), startup.clock());
        TokenRefresher::new(tokens, platform, order_jump_path(&startup.env))
            .ok_or(ConfigError::Missing(vars::WECHAT_SECRET))
    }
}
