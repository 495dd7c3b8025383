//! The back office's catalog: products created and edited whole (their variants too; stock is
//! live data, so an edit keeps each SKU's stock as it is), stock adjusted with a reason, and
//! every product listed whatever its status.

use crate::domain::catalog::{Product, SkuId};
use crate::domain::ids::ProductId;
use crate::domain::time::Clock;
use crate::infra::store::{Adjusted, StorageError, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// Saves that lose a race with an order (stock moved meanwhile) are tried again this many times.
const ATTEMPTS: usize = 3;
/// The largest stock adjustment at once, either way.
pub const MAX_ADJUSTMENT: i64 = 100_000;

/// Why a catalog change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogDeskError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("product not found")]
    NotFound,
    /// Taking more than the SKU holds.
    #[error("the stock would fall below zero: {stock} in stock")]
    Short { stock: i64 },
    #[error("the product kept changing")]
    Contended,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The operators' side of the catalog. Built once per process.
#[derive(Clone)]
pub struct CatalogDesk {
    store: Store,
    clock: Clock,
}

impl CatalogDesk {
    pub fn new(store: Store, clock: Clock) -> Self {
        Self { store, clock }
    }

    /// Creates `input`, or replaces the product of its id keeping each remaining SKU's stock
    /// (new SKUs take the stock given), conditioned on the product not changing meanwhile.
    #[tracing::instrument(skip_all, fields(product = %input.id))]
    pub async fn save(&self, input: Product) -> Result<Product, CatalogDeskError> {
        let checked = input
            .clone()
            .normalized()
            .map_err(|reason| CatalogDeskError::Invalid {
                field: "product",
                reason,
            })?;
        for _ in 0..ATTEMPTS {
            let existing = self.store.get_product_consistently(&checked.id).await?;
            let now = self.clock.now();
            let mut product = checked.clone();
            product.created_at = existing.as_ref().map_or(now, |e| e.created_at);
            product.updated_at = now;
            if let Some(existing) = &existing {
                for sku in &mut product.skus {
                    if let Some(old) = existing.skus.iter().find(|old| old.sku_id == sku.sku_id) {
                        sku.stock = old.stock;
                    }
                }
            }
            let product = product.normalized().map_err(|reason| CatalogDeskError::Invalid {
                field: "product",
                reason,
            })?;
            if self
                .store
                .save_product(&product, existing.map(|e| e.updated_at))
                .await?
            {
                tracing::info!(product = %product.id, "product saved");
                return Ok(product);
            }
        }
        Err(CatalogDeskError::Contended)
    }

    /// Adds `delta` to the stock of SKU `sku` (the default one when `None`) of product `id`.
    pub async fn adjust(
        &self,
        id: &ProductId,
        sku: Option<SkuId>,
        delta: i64,
        reason: &str,
    ) -> Result<Product, CatalogDeskError> {
        if delta == 0 || delta.abs() > MAX_ADJUSTMENT {
            return Err(CatalogDeskError::Invalid {
                field: "delta",
                reason: format!("must be a whole number from -{MAX_ADJUSTMENT} to {MAX_ADJUSTMENT}, not 0"),
            });
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(CatalogDeskError::Invalid {
                field: "reason",
                reason: "must be 1-200 characters (请填写调整原因)".into(),
            });
        }
        let sku = sku.unwrap_or_else(SkuId::default_sku);
        match self.store.adjust_stock(id, &sku, delta, self.clock.now()).await? {
            Adjusted::Done(product) => {
                tracing::info!(product = %id, sku = %sku, delta, "stock adjusted");
                Ok(*product)
            }
            Adjusted::Refused => {
                let product = self
                    .store
                    .get_product_consistently(id)
                    .await?
                    .ok_or(CatalogDeskError::NotFound)?;
                match product.skus.iter().find(|s| s.sku_id == sku) {
                    None => Err(CatalogDeskError::Invalid {
                        field: "skuId",
                        reason: "is not one of the product's SKUs".into(),
                    }),
                    Some(found) => Err(CatalogDeskError::Short { stock: found.stock }),
                }
            }
        }
    }

    /// Every product, by id, a page at a time.
    pub async fn all(
        &self,
        after: Option<&crate::domain::paging::Position>,
        limit: i32,
    ) -> Result<(Vec<Product>, Option<String>), CatalogDeskError> {
        Ok(self.store.all_products(after, limit).await?)
    }
}

impl Build for CatalogDesk {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(CatalogDesk::new(startup.store(), startup.clock()))
    }
}
