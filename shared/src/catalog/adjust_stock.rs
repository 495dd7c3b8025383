//! `adjustStock` (POST /admin/products/{id}/stock): adds to or takes from one SKU's stock, with
//! a reason (kept in the audit log); never below zero.

use serde::Deserialize;

use crate::catalog::desk::CatalogDesk;
use crate::domain::catalog::{Product, SkuId};
use crate::domain::ids::ProductId;
use crate::domain::operators::Catalog;
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `adjustStock`'s input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdjustStockInput {
    pub id: String,
    /// The SKU (none: the product's only one).
    #[serde(default)]
    pub sku_id: Option<SkuId>,
    /// Units added (negative: taken).
    pub delta: i64,
    pub reason: String,
}

endpoint! {
    /// `POST /admin/products/{id}/stock`.
    AdjustStock: POST "adjust-stock", Staff<Catalog>, CatalogDesk;
    fn(desk, _ctx, input: AdjustStockInput) -> Product {
        let id = ProductId::parse(&input.id).ok_or(ApiError::NotFound("product"))?;
        desk.adjust(&id, input.sku_id, input.delta, &input.reason).await
    }
}
