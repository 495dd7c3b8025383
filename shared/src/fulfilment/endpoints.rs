//! `shipOrder`: an operator ships one order.

use serde::Deserialize;

use crate::domain::ids::OrderId;
use crate::domain::orders::{Carrier, Order, TrackingNo};
use crate::fulfilment::shipping::{Shipping, ShippingError};
use crate::runtime::http::{Operator, endpoint};

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
