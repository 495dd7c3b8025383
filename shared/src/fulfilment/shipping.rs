//! Shipping a paid order: the order moves to SHIPPED with its carrier and tracking number, then
//! WeChat is told (`upload_shipping_info`, 发货信息管理), which unfreezes the merchant's funds.
//! Asking again with the same parcel is safe: it only reports what was not reported yet.

use crate::domain::ids::OrderId;
use crate::domain::notices::NoticeEvent;
use crate::domain::orders::{Carrier, Order, OrderStatus, ShipRefusal, Shipment, TrackingNo};
use crate::domain::time::Clock;
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat::ShippingReport;
use crate::infra::wechatpay::client::china_time;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::messages::Notifier;

/// Why an order could not be shipped, or its shipping not reported.
#[derive(Debug, thiserror::Error)]
pub enum ShippingError {
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] ShipRefusal),
    /// The order is SHIPPED, but WeChat has not been told yet: ship it again with the same parcel.
    #[error("the order is shipped but WeChat was not told; ask again")]
    NotReported(#[source] AccessTokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Shipping, for operators. Built once per process by the function that holds the app secret.
#[derive(Clone)]
pub struct Shipping {
    store: Store,
    tokens: AccessTokens,
    clock: Clock,
    notifier: Notifier,
}

impl Shipping {
    pub fn new(store: Store, tokens: AccessTokens, clock: Clock, notifier: Notifier) -> Self {
        Self {
            store,
            tokens,
            clock,
            notifier,
        }
    }

    /// Ships `order_id` with `carrier` and `tracking_no`, and reports it to WeChat: one GetItem, one
    /// conditional UpdateItem (PAID -> SHIPPED), the report (one WeChat call; the shared access
    /// token is read from the table on a cold instance), and one UpdateItem recording it.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn ship(
        &self,
        order_id: &OrderId,
        carrier: &Carrier,
        tracking_no: &TrackingNo,
    ) -> Result<Order, ShippingError> {
        let mut order = self
            .store
            .get_order(order_id)
            .await?
            .ok_or(ShippingError::NotFound)?;
        if order.check_shippable(carrier, tracking_no)? {
            let shipment = Shipment {
                carrier: carrier.clone(),
                tracking_no: tracking_no.clone(),
                shipped_at: self.clock.now(),
                reported_at: None,
            };
            if self.store.ship_order(&order, &shipment).await? {
                tracing::info!(order = %order.order_id, carrier = %carrier, "order shipped");
                order = Order {
                    status: OrderStatus::Shipped,
                    updated_at: shipment.shipped_at,
                    shipment: Some(shipment),
                    ..order
                };
                self.notifier.notify(&order, NoticeEvent::OrderShipped).await;
            } else {
                // Changed meanwhile (shipped by a concurrent request, or refunded): judge it again.
                order = self
                    .store
                    .get_order(order_id)
                    .await?
                    .ok_or(ShippingError::NotFound)?;
                if order.check_shippable(carrier, tracking_no)? {
                    return Err(StorageError::failed(
                        "shipping the order",
                        "the order is still paid although shipping it was refused",
                    )
                    .into());
                }
            }
        }
        self.report(order).await
    }

    /// Tells WeChat about the shipment unless it already knows.
    async fn report(&self, mut order: Order) -> Result<Order, ShippingError> {
        let (Some(shipment), Some(payment)) = (&order.shipment, &order.payment) else {
            return Ok(order);
        };
        if shipment.reported_at.is_some() {
            return Ok(order);
        }
        let description = order.description();
        let report = ShippingReport {
            transaction_id: &payment.transaction_id,
            payer_openid: order.openid.as_str(),
            carrier: shipment.carrier.as_str(),
            tracking_no: shipment.tracking_no.as_str(),
            item_desc: &description,
            upload_time: china_time(self.clock.now()),
            // Only where WeChat requires it (SF Express), and masked as it asks.
            receiver_contact: shipment
                .carrier
                .needs_receiver_contact()
                .then(|| order.address.as_ref().map(|address| address.masked_tel()))
                .flatten(),
        };
        self.tokens
            .call(|wechat, token| {
                let report = report.clone();
                async move { wechat.upload_shipping_info(&token, &report).await }
            })
            .await
            .map_err(ShippingError::NotReported)?;
        let at = self.clock.now();
        self.store.record_shipping_report(&order, at).await?;
        tracing::info!(order = %order.order_id, "shipping reported to WeChat");
        if let Some(shipment) = &mut order.shipment {
            shipment.reported_at = Some(at);
        }
        Ok(order)
    }
}

impl Build for Shipping {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Shipping::new(
            startup.store(),
            startup.access_tokens().await?,
            startup.clock(),
            Notifier::build(startup).await?,
        ))
    }
}
