//! `submitOrder`, `listOrders`, `getOrder`, `cancelOrder`: the caller's own orders.

use lambda_http::http::Method;
use serde::Deserialize;

use crate::catalog::{Page, PageSize};
use crate::checkout;
use crate::config::ConfigError;
use crate::error::ApiError;
use crate::http::{Access, Context, Endpoint};
use crate::orders::{IdempotencyKey, Order, OrderRequest};
use crate::startup::Startup;
use crate::store::Store;

/// `POST /orders` with an `Idempotency-Key` header.
pub struct SubmitOrder {
    store: Store,
}

impl Endpoint for SubmitOrder {
    const NAME: &'static str = "submit-order";
    const METHOD: Method = Method::POST;
    const ACCESS: Access = Access::Token;
    type Input = OrderRequest;
    type Output = Order;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
        })
    }

    async fn handle(&self, ctx: &Context, input: OrderRequest) -> Result<Order, ApiError> {
        let key = IdempotencyKey::parse(ctx.header(IdempotencyKey::HEADER))?;
        checkout::submit_order(&self.store, &ctx.caller()?.openid, &key, &input).await
    }
}

/// `GET /orders?limit=&cursor=`: newest first.
pub struct ListOrders {
    store: Store,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListOrdersInput {
    #[serde(default)]
    pub limit: PageSize,
    pub cursor: Option<String>,
}

impl Endpoint for ListOrders {
    const NAME: &'static str = "list-orders";
    const METHOD: Method = Method::GET;
    const ACCESS: Access = Access::Token;
    type Input = ListOrdersInput;
    type Output = Page<Order>;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
        })
    }

    async fn handle(&self, ctx: &Context, input: ListOrdersInput) -> Result<Page<Order>, ApiError> {
        self.store
            .list_orders(&ctx.caller()?.openid, input.limit, input.cursor.as_deref())
            .await
    }
}

/// The `{id}` of an order route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderIdInput {
    pub id: String,
}

/// `GET /orders/{id}`: the owner only; anyone else gets the same 404 as a missing order.
pub struct GetOrder {
    store: Store,
}

impl Endpoint for GetOrder {
    const NAME: &'static str = "get-order";
    const METHOD: Method = Method::GET;
    const ACCESS: Access = Access::Token;
    type Input = OrderIdInput;
    type Output = Order;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
        })
    }

    async fn handle(&self, ctx: &Context, input: OrderIdInput) -> Result<Order, ApiError> {
        checkout::owned_order(&self.store, &ctx.caller()?.openid, &input.id).await
    }
}

/// `POST /orders/{id}/cancel`.
pub struct CancelOrder {
    store: Store,
}

impl Endpoint for CancelOrder {
    const NAME: &'static str = "cancel-order";
    const METHOD: Method = Method::POST;
    const ACCESS: Access = Access::Token;
    type Input = OrderIdInput;
    type Output = Order;

    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Self {
            store: startup.store(),
        })
    }

    async fn handle(&self, ctx: &Context, input: OrderIdInput) -> Result<Order, ApiError> {
        checkout::cancel_order(&self.store, &ctx.caller()?.openid, &input.id).await
    }
}
