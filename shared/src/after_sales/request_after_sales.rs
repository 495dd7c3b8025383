//! `requestAfterSales` (POST /orders/{id}/after-sales): the owner asks for some units of an order
//! to be refunded (`refund`) or returned and refunded (`return_refund`).

use serde::Deserialize;

use crate::after_sales::requests::{AfterSalesError, AfterSalesRequests};
use crate::domain::after_sales::{AfterSales, AfterSalesInput, AfterSalesKind, AfterSalesLineInput};
use crate::domain::ids::{Caller, OrderId};
use crate::domain::limits::Scope;
use crate::runtime::http::{Limit, endpoint};

/// `requestAfterSales`' input: the order (path) and the request (body).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestAfterSalesInput {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: AfterSalesKind,
    pub lines: Vec<AfterSalesLineInput>,
    pub reason: String,
    #[serde(default)]
    pub photos: Vec<String>,
}

endpoint! {
    /// `POST /orders/{id}/after-sales`: the request, REFUNDING at once when every unit asked for a
    /// refund never left, REQUESTED (for an operator) otherwise.
    RequestAfterSales: POST "request-after-sales", Caller, AfterSalesRequests, limit = Limit::PerUser(Scope::Order), metric = "AfterSalesRequested";
    fn(requests, ctx, input: RequestAfterSalesInput) -> AfterSales {
        let order_id = OrderId::parse(&input.id).ok_or(AfterSalesError::NotFound)?;
        let request = AfterSalesInput {
            kind: input.kind,
            lines: input.lines,
            reason: input.reason,
            photos: input.photos,
        };
        requests.request(&ctx.caller.openid, &order_id, &request).await
    }
}
