//! `listAdminProducts` (GET /admin/products): every product, on sale or not, by id, a page at a
//! time, with its SKUs and their stock.

use serde::Deserialize;

use crate::catalog::desk::CatalogDesk;
use crate::domain::catalog::Product;
use crate::domain::operators::AnyOperator;
use crate::domain::paging::{PageSize, Position, QueuePage};
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `listAdminProducts`' query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAdminProductsInput {
    #[serde(default)]
    pub limit: PageSize,
    /// The `next` of the previous page.
    #[serde(default)]
    pub after: Option<Position>,
}

endpoint! {
    /// `GET /admin/products?limit=&after=`.
    ListAdminProducts: GET "list-admin-products", Staff<AnyOperator>, CatalogDesk;
    fn(desk, _ctx, input: ListAdminProductsInput) -> QueuePage<Product> {
        Ok::<_, ApiError>(desk.all(input.after.as_ref(), input.limit.get() as i32).await?.into())
    }
}
