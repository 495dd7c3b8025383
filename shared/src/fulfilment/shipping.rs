//! Shipping a paid order: each call adds a delivery (an express one in up to 15 parcels, or
//! same-city, virtual goods, self-pickup) of some or all of what has not left; the order is
//! PARTIALLY_SHIPPED until every unit left, then SHIPPED. Each delivery is reported to WeChat
//! (`upload_shipping_info`, 发货信息管理, split deliveries as `delivery_mode` 2 with
//! `is_all_delivered` on the last), which unfreezes the merchant's funds. Asking again with the
//! same parcels is safe: it only reports what was not reported yet.

use crate::domain::catalog::SkuId;
use crate::domain::ids::{OrderId, ProductId};
use crate::domain::notices::NoticeEvent;
use crate::domain::orders::{
    Delivery, DeliveryPlan, LogisticsType, Order, OrderStatus, ShipRefusal, ShipRequest, ShippedItem,
};
use crate::domain::time::Clock;
use crate::fulfilment::platform::{PlatformError, ShippingPlatform, check_carriers};
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat::{ShippingEntry, ShippingReport};
use crate::infra::wechatpay::client::china_time;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::messages::Notifier;

/// Shipping calls that lose a race with another are judged again on the order as it then is,
/// this many times in all.
const ATTEMPTS: usize = 3;

/// Why an order could not be shipped, or its shipping not reported.
#[derive(Debug, thiserror::Error)]
pub enum ShippingError {
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] ShipRefusal),
    /// The delivery is recorded, but WeChat has not been told yet: ship it again with the same
    /// parcels.
    #[error("the order is shipped but WeChat was not told; ask again")]
    NotReported(#[source] AccessTokenError),
    /// WeChat's delivery companies could not be read to check the carriers.
    #[error(transparent)]
    Platform(#[from] PlatformError),
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
    platform: ShippingPlatform,
}

impl Shipping {
    pub fn new(
        store: Store,
        tokens: AccessTokens,
        clock: Clock,
        notifier: Notifier,
        platform: ShippingPlatform,
    ) -> Self {
        Self {
            store,
            tokens,
            clock,
            notifier,
            platform,
        }
    }

    /// Ships what `request` names of `order_id`, and reports it to WeChat: one GetItem (beside
    /// the cached delivery companies', for an express delivery), one conditional UpdateItem
    /// adding the delivery, the report (one WeChat call per delivery not
    /// reported yet; the shared access token is read from the table on a cold instance), and one
    /// UpdateItem recording each report.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn ship(&self, order_id: &OrderId, request: &ShipRequest) -> Result<Order, ShippingError> {
        let mut order = if request.logistics_type == LogisticsType::Express {
            let carriers = async { Ok::<_, ShippingError>(self.platform.carriers().await?) };
            let (order, carriers) = tokio::try_join!(self.load(order_id), carriers)?;
            check_carriers(request, &carriers)?;
            order
        } else {
            self.load(order_id).await?
        };
        for attempt in 1..=ATTEMPTS {
            let (delivery, status) = match order.plan_delivery(request, self.clock.now())? {
                DeliveryPlan::Repeat => break,
                DeliveryPlan::Ship { delivery, status } => (delivery, status),
            };
            if self.store.add_delivery(&order, &delivery, status).await? {
                tracing::info!(order = %order.order_id, status = %status, "delivery added");
                let first = order.deliveries.is_empty();
                order.status = status;
                order.updated_at = delivery.shipped_at;
                order.deliveries.push(delivery);
                if first {
                    self.notifier.notify(&order, NoticeEvent::OrderShipped).await;
                }
                break;
            }
            // Changed meanwhile (another delivery, a refund): judge the call again on what it is now.
            order = self.load(order_id).await?;
            if attempt == ATTEMPTS {
                return Err(StorageError::failed(
                    "shipping the order",
                    "other changes to the order kept winning; ask again",
                )
                .into());
            }
        }
        self.report(order).await
    }

    async fn load(&self, order_id: &OrderId) -> Result<Order, ShippingError> {
        self.store
            .get_order(order_id)
            .await?
            .ok_or(ShippingError::NotFound)
    }

    /// Tells WeChat about each delivery it does not know of yet, in order.
    async fn report(&self, mut order: Order) -> Result<Order, ShippingError> {
        let Some(payment) = order.payment.clone() else {
            return Ok(order);
        };
        for index in 0..order.deliveries.len() {
            if order.deliveries[index].reported_at.is_some() {
                continue;
            }
            let report = ShippingReport {
                transaction_id: &payment.transaction_id,
                payer_openid: order.openid.as_str(),
                logistics_type: i64::from(order.deliveries[index].logistics_type),
                split: split_mode(&order, index),
                shipping_list: shipping_list(&order, &order.deliveries[index]),
                upload_time: china_time(self.clock.now()),
            };
            self.tokens
                .call(|wechat, token| {
                    let report = report.clone();
                    async move { wechat.upload_shipping_info(&token, &report).await }
                })
                .await
                .map_err(ShippingError::NotReported)?;
            let at = self.clock.now();
            self.store.record_shipping_report(&order, index, at).await?;
            tracing::info!(order = %order.order_id, delivery = index, "shipping reported to WeChat");
            order.deliveries[index].reported_at = Some(at);
        }
        Ok(order)
    }
}

/// WeChat's delivery mode of the delivery at `index`: `None` (all in one, `delivery_mode` 1)
/// when it is the order's only delivery, carries everything, in one parcel at most; otherwise a
/// split delivery, all delivered once it is the last and nothing is left.
fn split_mode(order: &Order, index: usize) -> Option<bool> {
    let delivery = &order.deliveries[index];
    let last = index + 1 == order.deliveries.len();
    let complete = last && order.status != OrderStatus::PartiallyShipped;
    if order.deliveries.len() == 1 && complete && delivery.parcels.len() <= 1 {
        None
    } else {
        Some(complete)
    }
}

/// The shipping list of a delivery: each parcel with what it holds (and, for SF Express, the
/// receiver's masked phone), or one entry describing the goods of the other kinds.
fn shipping_list(order: &Order, delivery: &Delivery) -> Vec<ShippingEntry> {
    if delivery.logistics_type != LogisticsType::Express {
        return vec![ShippingEntry {
            carrier: None,
            tracking_no: None,
            item_desc: describe(order, &delivery.items),
            receiver_contact: None,
        }];
    }
    delivery
        .parcels
        .iter()
        .map(|parcel| ShippingEntry {
            carrier: Some(parcel.carrier.as_str().to_owned()),
            tracking_no: Some(parcel.tracking_no.as_str().to_owned()),
            item_desc: describe(order, &parcel.items),
            // Only where WeChat requires it (SF Express), and masked as it asks.
            receiver_contact: parcel
                .carrier
                .needs_receiver_contact()
                .then(|| order.address.as_ref().map(|address| address.masked_tel()))
                .flatten(),
        })
        .collect()
}

/// What a parcel holds, as the buyer reads it: `西湖龙井 250g 礼盒×2；碧螺春×1`.
fn describe(order: &Order, items: &[ShippedItem]) -> String {
    let name = |product: &ProductId, sku: &SkuId| {
        order
            .items
            .iter()
            .find(|line| line.product_id == *product && line.sku_id == *sku)
            .map_or_else(|| product.to_string(), |line| line.description())
    };
    items
        .iter()
        .map(|item| format!("{}×{}", name(&item.product_id, &item.sku_id), item.quantity))
        .collect::<Vec<_>>()
        .join("；")
}

impl Build for Shipping {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Shipping::new(
            startup.store(),
            startup.access_tokens().await?,
            startup.clock(),
            Notifier::build(startup).await?,
            ShippingPlatform::build(startup).await?,
        ))
    }
}
