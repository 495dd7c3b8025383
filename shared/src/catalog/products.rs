//! Browsing the catalog: pages of products on sale, and one product.

use crate::domain::catalog::{Category, Product, ProductSummary};
use crate::domain::ids::ProductId;
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::infra::store::{Cursors, StorageError, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// Why a catalog read failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("product not found")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The catalog.
#[derive(Clone)]
pub struct Catalog {
    store: Store,
}

impl Catalog {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// A page of ON_SALE products in display order, optionally of one category, each with its
    /// price range and whether any SKU is in stock (the SKUs themselves on the product's page).
    /// One Query.
    pub async fn list(
        &self,
        category: Option<&Category>,
        limit: PageSize,
        cursor: Option<&Cursor>,
        cursors: &Cursors,
    ) -> Result<Page<ProductSummary>, CatalogError> {
        let page = self.store.list_products(category, limit, cursor, cursors).await?;
        Ok(page.map(Product::summary))
    }

    /// One product, whatever its status (a client may hold a link to one taken off sale). One GetItem.
    pub async fn get(&self, id: &ProductId) -> Result<Product, CatalogError> {
        self.store.get_product(id).await?.ok_or(CatalogError::NotFound)
    }
}

impl Build for Catalog {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Catalog::new(startup.store()))
    }
}
