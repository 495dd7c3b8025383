//! `listProducts` and `getProduct`: the public catalog.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::catalog::{Category, Page, PageSize, Product, ProductId};
use crate::config::ConfigError;
use crate::error::ApiError;
use crate::http::{Access, Context, Endpoint};
use crate::startup::Startup;
use crate::store::Store;

/// `GET /products?limit=&cursor=&category=`.
pub struct ListProducts {
    store: Store,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListProductsInput {
    #[serde(default)]
    pub limit: PageSize,
    pub cursor: Option<String>,
    pub category: Option<Category>,
}

impl Endpoint for ListProducts {
    const NAME: &'static str = "list-products";
    const METHOD: Method = Method::GET;
    const ACCESS: Access = Access::Public;
    type Input = ListProductsInput;
    type Output = Page<Product>;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
        })
    }

    async fn handle(&self, _ctx: &Context, input: ListProductsInput) -> Result<Page<Product>, ApiError> {
        self.store
            .list_products(input.category.as_ref(), input.limit, input.cursor.as_deref())
            .await
    }
}

/// `GET /products/{id}`.
pub struct GetProduct {
    store: Store,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetProductInput {
    pub id: String,
}

impl Endpoint for GetProduct {
    const NAME: &'static str = "get-product";
    const METHOD: Method = Method::GET;
    const ACCESS: Access = Access::Public;
    type Input = GetProductInput;
    type Output = Product;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
        })
    }

    async fn handle(&self, _ctx: &Context, input: GetProductInput) -> Result<Product, ApiError> {
        let id = ProductId::try_from(input.id).map_err(|_| ApiError::NotFound("product"))?;
        self.store
            .get_product(&id)
            .await?
            .ok_or(ApiError::NotFound("product"))
    }
}
