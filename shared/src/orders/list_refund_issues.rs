//! `listRefundIssues` (GET /admin/refund-issues): the refunds WeChat Pay ended ABNORMAL or CLOSED,
//! for an operator to settle in the merchant platform: whole-order refunds and after-sales ones.

use serde::Serialize;

use crate::domain::after_sales::AfterSales;
use crate::domain::operators::Refunds;
use crate::domain::orders::Order;
use crate::orders::desk::OrderDesk;
use crate::runtime::http::{NoInput, endpoint};
use crate::runtime::staff::Staff;

/// The refunds that need a person, oldest first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundIssues {
    /// Orders whose whole-order refund failed (`refundIssue` says how).
    pub orders: Vec<Order>,
    /// After-sales requests whose refund failed (FAILED, `refundIssue`).
    pub after_sales: Vec<AfterSales>,
}

endpoint! {
    /// `GET /admin/refund-issues`.
    ListRefundIssues: GET "list-refund-issues", Staff<Refunds>, OrderDesk;
    fn(desk, _ctx, _input: NoInput) -> RefundIssues {
        let (orders, after_sales) = desk.refund_issues().await?;
        Ok::<_, crate::ApiError>(RefundIssues { orders, after_sales })
    }
}
