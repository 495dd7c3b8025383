//! `listAfterSalesQueue` (GET /admin/after-sales, operators): the requests in one state, oldest
//! first, to work through.

use serde::{Deserialize, Serialize};

use crate::after_sales::requests::AfterSalesBook;
use crate::domain::after_sales::{AfterSales, AfterSalesStatus};
use crate::domain::operators::AnyOperator;
use crate::domain::paging::PageSize;
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
    pub after: Option<String>,
}

/// A page of requests.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAfterSalesQueueOutput {
    pub items: Vec<AfterSales>,
    /// Where the next page starts; null on the last one.
    pub next: Option<String>,
}

endpoint! {
    /// `GET /admin/after-sales?status=&limit=&after=` (the console: AnyOperator).
    ListAfterSalesQueue: GET "list-after-sales-queue", Staff<AnyOperator>, AfterSalesBook;
    fn(book, _ctx, input: ListAfterSalesQueueInput) -> ListAfterSalesQueueOutput {
        let status = input.status.unwrap_or(AfterSalesStatus::Requested);
        let after = input.after.filter(|a| a.len() <= 200);
        let (items, next) = book.queue(status, after.as_deref(), input.limit).await?;
        Ok::<_, crate::ApiError>(ListAfterSalesQueueOutput { items, next })
    }
}
