//! `refundOrderPart` (POST /admin/orders/{id}/refunds, operators): refund any part of a paid
//! order of the operator's own accord, with a reason; recorded as an after-sales request of its
//! own.

use serde::Deserialize;

use crate::after_sales::requests::{AfterSalesDesk, AfterSalesError};
use crate::domain::after_sales::{AfterSales, AfterSalesLineInput, OperatorRefundInput};
use crate::domain::ids::OrderId;
use crate::domain::operators::Refunds;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `refundOrderPart`'s input: the order (path), and the refund.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefundOrderPartInput {
    pub id: String,
    #[serde(default)]
    pub lines: Vec<AfterSalesLineInput>,
    #[serde(default)]
    pub amount_fen: Option<i64>,
    pub reason: String,
}

endpoint! {
    /// `POST /admin/orders/{id}/refunds` (the console: Refunds).
    RefundOrderPart: POST "refund-order-part", Staff<Refunds>, AfterSalesDesk;
    fn(desk, ctx, input: RefundOrderPartInput) -> AfterSales {
        let order_id = OrderId::parse(&input.id).ok_or(AfterSalesError::NotFound)?;
        tracing::info!(operator = %ctx.caller.name(), order = %order_id, "refund part of an order");
        let refund = OperatorRefundInput {
            lines: input.lines,
            amount_fen: input.amount_fen,
            reason: input.reason,
        };
        desk.refund_part(&order_id, &refund).await
    }
}
