//! `submitOrder`, `listOrders`, `getOrder`, `cancelOrder`, `payOrder`, `refundOrder`: the caller's
//! own orders; `shipOrder`: an operator ships one.

use serde::Deserialize;

use crate::domain::ids::{Caller, OrderId};
use crate::domain::limits::Scope;
use crate::domain::orders::{Carrier, IdempotencyKey, Order, OrderRequest, TrackingNo};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::infra::store::Cursors;
use crate::infra::wechatpay::client::PaymentParams;
use crate::runtime::http::{Limit, Operator, endpoint};
use crate::services::checkout::{Checkout, CheckoutError, RemarkChecks};
use crate::services::payment::{PaymentError, Payments, RefundError, Refunds};
use crate::services::shipping::{Shipping, ShippingError};

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
    fn order_id(&self) -> Result<OrderId, CheckoutError> {
        OrderId::parse(&self.id).ok_or(CheckoutError::NotFound)
    }
}

endpoint! {
    /// `GET /orders/{id}`: the owner only; anyone else gets the same 404 as a missing order.
    GetOrder: GET "get-order", Caller, Checkout;
    fn(checkout, ctx, input: OrderIdInput) -> Order {
        checkout.get(&ctx.caller.openid, &input.order_id()?).await
    }
}

endpoint! {
    /// `POST /orders/{id}/pay`: the parameters of `wx.requestPayment` for the caller's unpaid order.
    PayOrder: POST "pay-order", Caller, Payments, limit = Limit::PerUser(Scope::Order);
    fn(payments, ctx, input: OrderIdInput) -> PaymentParams {
        let order_id = input.order_id().map_err(|_| PaymentError::NotFound)?;
        payments.pay(&ctx.caller.openid, &order_id).await
    }
}

endpoint! {
    /// `POST /orders/{id}/refund`: a full refund of the caller's paid order (REFUNDING until WeChat
    /// Pay's refund notification); asking again never refunds twice.
    RefundOrder: POST "refund-order", Caller, Refunds, limit = Limit::PerUser(Scope::Order), metric = "RefundsRequested";
    fn(refunds, ctx, input: OrderIdInput) -> Order {
        let order_id = input.order_id().map_err(|_| RefundError::NotFound)?;
        refunds.refund(Some(&ctx.caller.openid), &order_id).await
    }
}

endpoint! {
    /// `POST /orders/{id}/cancel`: restores the stock once; a cancelled order is answered as it is.
    CancelOrder: POST "cancel-order", Caller, Checkout;
    fn(checkout, ctx, input: OrderIdInput) -> Order {
        checkout.cancel(&ctx.caller.openid, &input.order_id()?).await
    }
}

/// `shipOrder`'s input: the order (path) and the parcel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShipOrderInput {
    pub id: String,
    pub carrier: Carrier,
    pub tracking_no: TrackingNo,
}

endpoint! {
    /// `POST /admin/orders/{id}/ship` (operators: AWS IAM): PAID -> SHIPPED with the parcel, and the
    /// shipping reported to WeChat; asking again with the same parcel only reports what was not.
    ShipOrder: POST "ship-order", Operator, Shipping, metric = "OrdersShipped";
    fn(shipping, ctx, input: ShipOrderInput) -> Order {
        let order_id = OrderId::parse(&input.id).ok_or(ShippingError::NotFound)?;
        tracing::info!(operator = %ctx.caller.arn, order = %order_id, "ship order");
        shipping.ship(&order_id, &input.carrier, &input.tracking_no).await
    }
}
