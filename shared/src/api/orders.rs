//! `submitOrder`, `listOrders`, `getOrder`, `cancelOrder`: the caller's own orders.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::domain::ids::{Caller, OrderId};
use crate::domain::orders::{IdempotencyKey, Order, OrderRequest};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::runtime::error::ApiError;
use crate::runtime::http::{Context, Endpoint};
use crate::services::checkout::{Checkout, CheckoutError};

/// `POST /orders` with an `Idempotency-Key` header.
pub struct SubmitOrder;

impl Endpoint for SubmitOrder {
    const NAME: &'static str = "submit-order";
    const METHOD: Method = Method::POST;
    type Auth = Caller;
    type Input = OrderRequest;
    type Output = Order;
    type Service = Checkout;

    async fn handle(
        checkout: &Checkout,
        ctx: &Context<Caller>,
        input: OrderRequest,
    ) -> Result<Order, ApiError> {
        let key = ctx.header(IdempotencyKey::HEADER);
        Ok(checkout.submit(&ctx.caller.openid, key, &input).await?)
    }
}

/// `GET /orders?limit=&cursor=`: newest first.
pub struct ListOrders;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListOrdersInput {
    #[serde(default)]
    pub limit: PageSize,
    pub cursor: Option<Cursor>,
}

impl Endpoint for ListOrders {
    const NAME: &'static str = "list-orders";
    const METHOD: Method = Method::GET;
    type Auth = Caller;
    type Input = ListOrdersInput;
    type Output = Page<Order>;
    type Service = Checkout;

    async fn handle(
        checkout: &Checkout,
        ctx: &Context<Caller>,
        input: ListOrdersInput,
    ) -> Result<Page<Order>, ApiError> {
        let page = checkout
            .list(&ctx.caller.openid, input.limit, input.cursor.as_ref())
            .await?;
        Ok(page)
    }
}

/// The `{id}` of an order route: any text; one that cannot be an order id is simply not found.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderIdInput {
    pub id: String,
}

impl OrderIdInput {
    fn order_id(&self) -> Result<OrderId, CheckoutError> {
        OrderId::parse(&self.id).ok_or(CheckoutError::NotFound)
    }
}

/// `GET /orders/{id}`: the owner only; anyone else gets the same 404 as a missing order.
pub struct GetOrder;

impl Endpoint for GetOrder {
    const NAME: &'static str = "get-order";
    const METHOD: Method = Method::GET;
    type Auth = Caller;
    type Input = OrderIdInput;
    type Output = Order;
    type Service = Checkout;

    async fn handle(
        checkout: &Checkout,
        ctx: &Context<Caller>,
        input: OrderIdInput,
    ) -> Result<Order, ApiError> {
        Ok(checkout.get(&ctx.caller.openid, &input.order_id()?).await?)
    }
}

/// `POST /orders/{id}/cancel`.
pub struct CancelOrder;

impl Endpoint for CancelOrder {
    const NAME: &'static str = "cancel-order";
    const METHOD: Method = Method::POST;
    type Auth = Caller;
    type Input = OrderIdInput;
    type Output = Order;
    type Service = Checkout;

    async fn handle(
        checkout: &Checkout,
        ctx: &Context<Caller>,
        input: OrderIdInput,
    ) -> Result<Order, ApiError> {
        Ok(checkout.cancel(&ctx.caller.openid, &input.order_id()?).await?)
    }
}
