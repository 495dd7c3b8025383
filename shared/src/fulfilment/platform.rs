//! WeChat's side of shipping: the carriers a parcel may name, WeChat's delivery companies
//! (`get_delivery_list`), kept in the table for every function, fetched when missing and
//! refreshed daily by the scheduled token refresher; and the order centre's jump path
//! (`set_msg_jump_path`), set by the refresher when it changes.

use std::time::Duration;

use crate::domain::orders::{LogisticsType, ShipRefusal, ShipRequest};
use crate::domain::time::Clock;
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::store::{DeliveryCompanies, StorageError, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// How long the cached list is used before the refresher fetches it again.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Why the carriers could not be known, or the jump path set.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("WeChat's delivery company list could not be fetched")]
    WeChat(#[source] AccessTokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// WeChat's delivery companies and the order centre's jump path. Built once per process.
#[derive(Clone)]
pub struct ShippingPlatform {
    store: Store,
    tokens: AccessTokens,
    clock: Clock,
}

impl ShippingPlatform {
    pub fn new(store: Store, tokens: AccessTokens, clock: Clock) -> Self {
        Self { store, tokens, clock }
    }

    /// The list: the table's copy (one GetItem); fetched from WeChat and saved when there is none.
    pub async fn carriers(&self) -> Result<DeliveryCompanies, PlatformError> {
        match self.store.delivery_companies().await? {
            Some(list) => Ok(list),
            None => self.fetch().await,
        }
    }

    /// Fetches the list again when the table's copy is missing or older than [`MAX_AGE`]: true
    /// when it did.
    pub async fn refresh_if_stale(&self) -> Result<bool, PlatformError> {
        let now = self.clock.now();
        let fresh = self
            .store
            .delivery_companies()
            .await?
            .is_some_and(|list| list.fetched_at.plus(MAX_AGE) > now);
        if fresh {
            return Ok(false);
        }
        self.fetch().await.map(|_| true)
    }

    async fn fetch(&self) -> Result<DeliveryCompanies, PlatformError> {
        let companies = self
            .tokens
            .call(|wechat, token| async move { wechat.delivery_companies(&token).await })
            .await
            .map_err(PlatformError::WeChat)?;
        let list = DeliveryCompanies {
            companies,
            fetched_at: self.clock.now(),
        };
        self.store.save_delivery_companies(&list).await?;
        tracing::info!(
            companies = list.companies.len(),
            "delivery companies fetched from WeChat"
        );
        Ok(list)
    }

    /// Sets where WeChat's order centre opens an order, unless it is already set to `path`:
    /// true when it was set now.
    pub async fn ensure_jump_path(&self, path: &str) -> Result<bool, PlatformError> {
        if self.store.jump_path().await?.as_deref() == Some(path) {
            return Ok(false);
        }
        self.tokens
            .call(|wechat, token| async move { wechat.set_order_jump_path(&token, path).await })
            .await
            .map_err(PlatformError::WeChat)?;
        self.store.save_jump_path(path, self.clock.now()).await?;
        tracing::info!(path, "WeChat's order centre now opens orders here");
        Ok(true)
    }
}

/// Refuses a parcel whose carrier WeChat does not list, naming the field and a few known codes.
pub fn check_carriers(request: &ShipRequest, list: &DeliveryCompanies) -> Result<(), ShipRefusal> {
    if request.logistics_type != LogisticsType::Express {
        return Ok(());
    }
    for (i, parcel) in request.parcels.iter().enumerate() {
        if !list.companies.contains_key(parcel.carrier.as_str()) {
            let known: Vec<String> = ["SF", "ZTO", "YTO", "JD", "EMS"]
                .iter()
                .filter_map(|code| list.companies.get(*code).map(|name| format!("{code} {name}")))
                .collect();
            return Err(ShipRefusal::invalid(
                format!("parcels[{i}].carrier"),
                format!(
                    "{} is not in WeChat's delivery company list (e.g. {})",
                    parcel.carrier,
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

impl Build for ShippingPlatform {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(ShippingPlatform::new(
            startup.store(),
            startup.access_tokens().await?,
            startup.clock(),
        ))
    }
}
