//! `receiveAfterSales` (POST /admin/orders/{id}/after-sales/{number}/receive, operators): the
//! goods of a return arrived: back in their SKUs' stock once, then refunded.

use serde::Deserialize;

use super::cancel_after_sales::request_of;
use crate::after_sales::requests::{AfterSalesDesk, AfterSalesError};
use crate::domain::after_sales::AfterSales;
use crate::domain::operators::Returns;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `receiveAfterSales`' input: the order and the request's number (path).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReceiveAfterSalesInput {
    pub id: String,
    pub number: String,
}

endpoint! {
    /// `POST /admin/orders/{id}/after-sales/{number}/receive` (the console: Returns): RETURNING ->
    /// RETURN_RECEIVED (restocked) -> REFUNDING.
    ReceiveAfterSales: POST "receive-after-sales", Staff<Returns>, AfterSalesDesk;
    fn(desk, ctx, input: ReceiveAfterSalesInput) -> AfterSales {
        let (order_id, number) = request_of(&input.id, &input.number).ok_or(AfterSalesError::NotFound)?;
        tracing::info!(operator = %ctx.caller.name(), order = %order_id, number, "return received");
        desk.receive(&order_id, number).await
    }
}
