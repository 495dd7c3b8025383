//! `deliverOrder` (POST /admin/orders/{id}/deliveries): the console's shipping, the same delivery
//! as `shipOrder` (whole or split parcels, virtual goods), by a signed-in operator of a shipping
//! role instead of an IAM-signed machine.

use crate::domain::ids::OrderId;
use crate::domain::operators::Dispatch;
use crate::domain::orders::Order;
use crate::fulfilment::endpoints::ShipOrderInput;
use crate::fulfilment::shipping::{Shipping, ShippingError};
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

endpoint! {
    /// `POST /admin/orders/{id}/deliveries`.
    DeliverOrder: POST "deliver-order", Staff<Dispatch>, Shipping, metric = "OrdersShipped";
    fn(shipping, ctx, input: ShipOrderInput) -> Order {
        let order_id = OrderId::parse(&input.id).ok_or(ShippingError::NotFound)?;
        tracing::info!(operator = %ctx.caller.name(), order = %order_id, "deliver order");
        let request = input.request()?;
        shipping.ship(&order_id, &request).await
    }
}
