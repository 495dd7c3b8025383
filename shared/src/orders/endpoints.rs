//! `submitOrder`, `listOrders`, `getOrder`, `cancelOrder`, `payOrder`, `refundOrder`: the caller's
//! own orders; `shipOrder`: an operator ships one.

use serde::Deserialize;

use crate::domain::ids::{Caller, OrderId};
use crate::domain::limits::Scope;
use crate::domain::orders::{IdempotencyKey, Order, OrderRequest};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::orders::checkout::{Checkout, CheckoutError, RemarkChecks};
use crate::runtime::http::{Limit, endpoint};
use crate::runtime::startup::Cursors;

endpoint! {
    /// `POST /orders` with an `Idempotency-Key` header.
    SubmitOrder: POST "submit-order", Caller, (Checkout, RemarkChecks), limit = Limit::PerUser(Scope::Order), metric = "OrdersPlaced";
    fn(services, ctx, input: OrderRequest) -> Order {
        let (checkout, remarks) = services;
        let key = ctx
            .header(IdempotencyKey::HEADER)
            .and_then(IdempotencyKey::parse)
            .ok_or(CheckoutError::InvalidIdempotencyKey)?;
        checkout.submit(&ctx.caller.openid, &key, &input, Some(remarks)).await
    }
}

/// `listOrders`' query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListOrdersInput {
    #[serde(default)]
    pub limit: PageSize,
    pub cursor: Option<Cursor>,
}

endpoint! {
    /// `GET /orders?limit=&cursor=`: newest first.
    ListOrders: GET "list-orders", Caller, (Checkout, Cursors);
    fn(services, ctx, input: ListOrdersInput) -> Page<Order> {
        let (checkout, cursors) = services;
        checkout
            .list(&ctx.caller.openid, input.limit, input.cursor.as_ref(), cursors)
            .await
    }
}

/// The `{id}` of an order route: any text; one that cannot be an order id is simply not found.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderIdInput {
    pub id: String,
}

impl OrderIdInput {
    /// The order id, or the area's own "not found" when the text cannot be one.
    pub fn order_id<E>(&self, not_found: E) -> Result<OrderId, E> {
        OrderId::parse(&self.id).ok_or(not_found)
    }
}

endpoint! {
    /// `GET /orders/{id}`: the owner only; anyone else gets the same 404 as a missing order.
    GetOrder: GET "get-order", Caller, Checkout;
    fn(checkout, ctx, input: OrderIdInput) -> Order {
        checkout.get(&ctx.caller.openid, &input.order_id(CheckoutError::NotFound)?).await
    }
}

endpoint! {
    /// `POST /orders/{id}/cancel`: restores the stock once; a cancelled order is answered as it is.
    CancelOrder: POST "cancel-order", Caller, Checkout;
    fn(checkout, ctx, input: OrderIdInput) -> Order {
        checkout.cancel(&ctx.caller.openid, &input.order_id(CheckoutError::NotFound)?).await
    }
}
