//! `listAfterSales` (GET /orders/{id}/after-sales): the owner reads an order's requests.

use serde::{Deserialize, Serialize};

use crate::after_sales::requests::{AfterSalesBook, AfterSalesError};
use crate::domain::after_sales::AfterSales;
use crate::domain::ids::{Caller, OrderId};
use crate::runtime::http::endpoint;

/// `listAfterSales`' input: the order (path).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListAfterSalesInput {
    pub id: String,
}

/// An order's requests, oldest first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAfterSalesOutput {
    pub items: Vec<AfterSales>,
}

endpoint! {
    /// `GET /orders/{id}/after-sales`.
    ListAfterSales: GET "list-after-sales", Caller, AfterSalesBook;
    fn(book, ctx, input: ListAfterSalesInput) -> ListAfterSalesOutput {
        let order_id = OrderId::parse(&input.id).ok_or(AfterSalesError::NotFound)?;
        let items = book.list(&ctx.caller.openid, &order_id).await?;
        Ok::<_, crate::ApiError>(ListAfterSalesOutput { items })
    }
}
