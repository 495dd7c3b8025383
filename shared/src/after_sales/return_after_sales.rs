//! `returnAfterSales` (POST /orders/{id}/after-sales/{number}/return): the owner sends the goods
//! of an approved `return_refund` back, and says in which parcel.

use serde::Deserialize;

use super::cancel_after_sales::request_of;
use crate::after_sales::requests::{AfterSalesBook, AfterSalesError};
use crate::domain::after_sales::{AfterSales, ReturnParcel};
use crate::domain::ids::Caller;
use crate::domain::orders::{Carrier, TrackingNo};
use crate::runtime::http::endpoint;

/// `returnAfterSales`' input: the order and the request's number (path), and the parcel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReturnAfterSalesInput {
    pub id: String,
    pub number: String,
    pub carrier: Carrier,
    pub tracking_no: TrackingNo,
}

endpoint! {
    /// `POST /orders/{id}/after-sales/{number}/return`: APPROVED -> RETURNING.
    ReturnAfterSales: POST "return-after-sales", Caller, AfterSalesBook;
    fn(book, ctx, input: ReturnAfterSalesInput) -> AfterSales {
        let (order_id, number) = request_of(&input.id, &input.number).ok_or(AfterSalesError::NotFound)?;
        let parcel = ReturnParcel {
            carrier: input.carrier,
            tracking_no: input.tracking_no,
        };
        book.send_back(&ctx.caller.openid, &order_id, number, parcel).await
    }
}
