//! `listProducts` and `getProduct`: the public catalog.

use serde::Deserialize;

use crate::domain::catalog::{Category, Product};
use crate::domain::ids::ProductId;
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::infra::store::Cursors;
use crate::runtime::http::{Public, endpoint};
use crate::services::catalog::{Catalog, CatalogError};

/// `listProducts`' query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListProductsInput {
    #[serde(default)]
    pub limit: PageSize,
    pub cursor: Option<Cursor>,
    pub category: Option<Category>,
}

endpoint! {
    /// `GET /products?limit=&cursor=&category=`.
    ListProducts: GET "list-products", Public, (Catalog, Cursors);
    fn(services, _ctx, input: ListProductsInput) -> Page<Product> {
        let (catalog, cursors) = services;
        catalog
            .list(input.category.as_ref(), input.limit, input.cursor.as_ref(), cursors)
            .await
    }
}

/// The `{id}` of a product route: any text; one that cannot be a product id is simply not found.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductIdInput {
    pub id: String,
}

endpoint! {
    /// `GET /products/{id}`.
    GetProduct: GET "get-product", Public, Catalog;
    fn(catalog, _ctx, input: ProductIdInput) -> Product {
        let id = ProductId::parse(&input.id).ok_or(CatalogError::NotFound)?;
        catalog.get(&id).await
    }
}
