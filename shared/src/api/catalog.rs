//! `listProducts` and `getProduct`: the public catalog.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::domain::catalog::{Category, Product};
use crate::domain::ids::ProductId;
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::runtime::error::ApiError;
use crate::runtime::http::{Context, Endpoint, Public};
use crate::services::catalog::{Catalog, CatalogError};

/// `GET /products?limit=&cursor=&category=`.
pub struct ListProducts;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListProductsInput {
    #[serde(default)]
    pub limit: PageSize,
    pub cursor: Option<Cursor>,
    pub category: Option<Category>,
}

impl Endpoint for ListProducts {
    const NAME: &'static str = "list-products";
    const METHOD: Method = Method::GET;
    type Auth = Public;
    type Input = ListProductsInput;
    type Output = Page<Product>;
    type Service = Catalog;

    async fn handle(
        catalog: &Catalog,
        _ctx: &Context<Public>,
        input: ListProductsInput,
    ) -> Result<Page<Product>, ApiError> {
        let page = catalog
            .list(input.category.as_ref(), input.limit, input.cursor.as_ref())
            .await?;
        Ok(page)
    }
}

/// `GET /products/{id}`.
pub struct GetProduct;

/// The `{id}` of a product route: any text; one that cannot be a product id is simply not found.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductIdInput {
    pub id: String,
}

impl Endpoint for GetProduct {
    const NAME: &'static str = "get-product";
    const METHOD: Method = Method::GET;
    type Auth = Public;
    type Input = ProductIdInput;
    type Output = Product;
    type Service = Catalog;

    async fn handle(
        catalog: &Catalog,
        _ctx: &Context<Public>,
        input: ProductIdInput,
    ) -> Result<Product, ApiError> {
        let id = ProductId::parse(&input.id).ok_or(CatalogError::NotFound)?;
        Ok(catalog.get(&id).await?)
    }
}
