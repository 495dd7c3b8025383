//! `getAdminOrder` (GET /admin/orders/{id}): one order's whole file for an operator: the full
//! address, payment, refunds, parcels, after-sales requests and its audit lines.

use serde::Deserialize;

use crate::domain::ids::OrderId;
use crate::domain::operators::AnyOperator;
use crate::orders::desk::{OrderDesk, OrderFile};
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `getAdminOrder`'s input: the order (path).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetAdminOrderInput {
    pub id: String,
}

endpoint! {
    /// `GET /admin/orders/{id}`.
    GetAdminOrder: GET "get-admin-order", Staff<AnyOperator>, OrderDesk;
    fn(desk, _ctx, input: GetAdminOrderInput) -> OrderFile {
        let order_id = OrderId::parse(&input.id).ok_or(ApiError::NotFound("order"))?;
        desk.file(&order_id).await?.ok_or(ApiError::NotFound("order"))
    }
}
