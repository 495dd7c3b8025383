//! `listProducts` and `getProduct`: the public catalog; `getProductCode`: a product's share code.

use serde::Deserialize;

use crate::catalog::products::{Catalog, CatalogError};
use crate::catalog::share_codes::{ShareCode, ShareCodeError, ShareCodes};
use crate::domain::catalog::{Category, Product, ProductSummary};
use crate::domain::ids::{Caller, ProductId};
use crate::domain::limits::Scope;
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::runtime::http::{Limit, Public, endpoint};
use crate::runtime::startup::Cursors;

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
    fn(services, _ctx, input: ListProductsInput) -> Page<ProductSummary> {
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

endpoint! {
    /// `GET /products/{id}/code`: the product's mini-program code, generated once (so it waits
    /// for the session check and the rate count before it may call WeChat).
    GetProductCode: GET "get-product-code", Caller, ShareCodes, limit = Limit::PerUser(Scope::Code), read_only = false;
    fn(codes, _ctx, input: ProductIdInput) -> ShareCode {
        let id = ProductId::parse(&input.id).ok_or(ShareCodeError::NotFound)?;
        codes.code(&id).await
    }
}
