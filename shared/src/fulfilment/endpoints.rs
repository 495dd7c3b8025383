//! `shipOrder`: an operator ships one order, whole or in part.

use serde::Deserialize;

use crate::domain::ids::OrderId;
use crate::domain::orders::{
    Carrier, ItemRequest, LogisticsType, Order, ParcelRequest, ShipRefusal, ShipRequest, TrackingNo,
};
use crate::fulfilment::shipping::{Shipping, ShippingError};
use crate::runtime::http::{Operator, endpoint};

/// `shipOrder`'s input: the order (path), and either a delivery (`logisticsType`, `parcels` for
/// express, `items` for the other kinds) or, as before split delivery, one parcel carrying
/// everything (`carrier`, `trackingNo`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShipOrderInput {
    pub id: String,
    #[serde(default)]
    pub logistics_type: Option<LogisticsType>,
    #[serde(default)]
    pub parcels: Option<Vec<ParcelRequest>>,
    #[serde(default)]
    pub items: Option<Vec<ItemRequest>>,
    #[serde(default)]
    pub carrier: Option<Carrier>,
    #[serde(default)]
    pub tracking_no: Option<TrackingNo>,
}

impl ShipOrderInput {
    /// The delivery it asks for, in the one shape the domain knows.
    pub(crate) fn request(self) -> Result<ShipRequest, ShipRefusal> {
        match (self.logistics_type, self.carrier, self.tracking_no) {
            (Some(logistics_type), None, None) => Ok(ShipRequest {
                logistics_type,
                parcels: self.parcels.unwrap_or_default(),
                items: self.items,
            }),
            (None, Some(carrier), Some(tracking_no)) if self.parcels.is_none() && self.items.is_none() => {
                Ok(ShipRequest {
                    logistics_type: LogisticsType::Express,
                    parcels: vec![ParcelRequest {
                        carrier,
                        tracking_no,
                        items: None,
                    }],
                    items: None,
                })
            }
            (Some(_), _, _) => Err(ShipRefusal::invalid(
                "carrier",
                "goes in parcels when logisticsType is given",
            )),
            (None, _, _) => Err(ShipRefusal::invalid(
                "logisticsType",
                "is required (1 express with parcels, 2 same-city, 3 virtual goods, 4 self-pickup), or give carrier and trackingNo alone for one parcel",
            )),
        }
    }
}

endpoint! {
    /// `POST /admin/orders/{id}/ship` (operators: AWS IAM): a delivery of what has not left yet
    /// (PARTIALLY_SHIPPED until everything did, then SHIPPED), reported to WeChat; asking again
    /// with the same parcels only reports what was not.
    ShipOrder: POST "ship-order", Operator, Shipping, metric = "OrdersShipped";
    fn(shipping, ctx, input: ShipOrderInput) -> Order {
        let order_id = OrderId::parse(&input.id).ok_or(ShippingError::NotFound)?;
        tracing::info!(operator = %ctx.caller.arn, order = %order_id, "ship order");
        let request = input.request()?;
        shipping.ship(&order_id, &request).await
    }
}
