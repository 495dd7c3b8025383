//! `approveAfterSales` (POST /admin/orders/{id}/after-sales/{number}/approve, operators): a
//! `refund` is refunded at once (optionally a different amount, never more than its lines' price),
//! a `return_refund` waits for the goods.

use serde::Deserialize;

use super::cancel_after_sales::request_of;
use crate::after_sales::requests::{AfterSalesDesk, AfterSalesError};
use crate::domain::after_sales::AfterSales;
use crate::domain::operators::AfterSalesDecisions;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `approveAfterSales`' input: the order and the request's number (path), and the amount.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApproveAfterSalesInput {
    pub id: String,
    pub number: String,
    #[serde(default)]
    pub amount_fen: Option<i64>,
}

endpoint! {
    /// `POST /admin/orders/{id}/after-sales/{number}/approve` (the console: AfterSalesDecisions).
    ApproveAfterSales: POST "approve-after-sales", Staff<AfterSalesDecisions>, AfterSalesDesk;
    fn(desk, ctx, input: ApproveAfterSalesInput) -> AfterSales {
        let (order_id, number) = request_of(&input.id, &input.number).ok_or(AfterSalesError::NotFound)?;
        tracing::info!(operator = %ctx.caller.name(), order = %order_id, number, "approve after-sales");
        desk.approve(&order_id, number, input.amount_fen).await
    }
}
