//! `cancelAfterSales` (POST /orders/{id}/after-sales/{number}/cancel): the owner withdraws a
//! request still waiting (REQUESTED or APPROVED); its units are theirs to ask again.

use serde::Deserialize;

use crate::after_sales::requests::{AfterSalesBook, AfterSalesError};
use crate::domain::after_sales::AfterSales;
use crate::domain::ids::{Caller, OrderId};
use crate::runtime::http::endpoint;

/// `cancelAfterSales`' input: the order and the request's number (path).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CancelAfterSalesInput {
    pub id: String,
    pub number: String,
}

endpoint! {
    /// `POST /orders/{id}/after-sales/{number}/cancel`.
    CancelAfterSales: POST "cancel-after-sales", Caller, AfterSalesBook;
    fn(book, ctx, input: CancelAfterSalesInput) -> AfterSales {
        let (order_id, number) = request_of(&input.id, &input.number).ok_or(AfterSalesError::NotFound)?;
        book.cancel(&ctx.caller.openid, &order_id, number).await
    }
}

/// The order and request a path names; anything else is simply not found.
pub(crate) fn request_of(id: &str, number: &str) -> Option<(OrderId, u32)> {
    Some((OrderId::parse(id)?, number.parse().ok().filter(|n| *n > 0)?))
}
