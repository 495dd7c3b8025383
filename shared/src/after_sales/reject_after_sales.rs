//! `rejectAfterSales` (POST /admin/orders/{id}/after-sales/{number}/reject, operators): the
//! request is refused with a reason the buyer reads; its units are theirs to ask again.

use serde::Deserialize;

use super::cancel_after_sales::request_of;
use crate::after_sales::requests::{AfterSalesDesk, AfterSalesError};
use crate::domain::after_sales::AfterSales;
use crate::domain::operators::AfterSalesDecisions;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `rejectAfterSales`' input: the order and the request's number (path), and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RejectAfterSalesInput {
    pub id: String,
    pub number: String,
    pub reason: String,
}

endpoint! {
    /// `POST /admin/orders/{id}/after-sales/{number}/reject` (the console: AfterSalesDecisions).
    RejectAfterSales: POST "reject-after-sales", Staff<AfterSalesDecisions>, AfterSalesDesk;
    fn(desk, ctx, input: RejectAfterSalesInput) -> AfterSales {
        let (order_id, number) = request_of(&input.id, &input.number).ok_or(AfterSalesError::NotFound)?;
        tracing::info!(operator = %ctx.caller.name(), order = %order_id, number, "reject after-sales");
        desk.reject(&order_id, number, input.reason).await
    }
}
