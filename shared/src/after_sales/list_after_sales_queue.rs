//! `listAfterSalesQueue` (GET /admin/after-sales, operators): the requests in one state, oldest
//! first, to work through.

use serde::Deserialize;

use crate::after_sales::requests::AfterSalesBook;
use crate::domain::after_sales::{AfterSales, AfterSalesStatus};
use crate::domain::operators::AnyOperator;
use crate::domain::paging::{PageSize, Position, QueuePage};
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `listAfterSalesQueue`' query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAfterSalesQueueInput {
    /// The state (default REQUESTED: what waits for an operator).
    #[serde(default)]
    pub status: Option<AfterSalesStatus>,
    #[serde(default)]
    pub limit: PageSize,
    /// The `next` of the previous page.
    #[serde(default)]
    pub after: Option<Position>,
}

endpoint! {
    /// `GET /admin/after-sales?status=&limit=&after=` (the console: AnyOperator).
    ListAfterSalesQueue: GET "list-after-sales-queue", Staff<AnyOperator>, AfterSalesBook;
    fn(book, _ctx, input: ListAfterSalesQueueInput) -> QueuePage<AfterSales> {
        let status = input.status.unwrap_or(AfterSalesStatus::Requested);
        Ok::<_, crate::ApiError>(book.queue(status, input.after.as_ref(), input.limit).await?.into())
    }
}
