//! How an order left: its deliveries (one per shipping call, each by one logistics type, an
//! express one in parcels), which units of which lines each took, whether WeChat was told; a
//! parcel's carrier and tracking number; and why an order cannot be shipped as asked.

use serde::{Deserialize, Serialize};

use super::status::OrderStatus;
use crate::domain::catalog::SkuId;
use crate::domain::ids::ProductId;
use crate::domain::time::Timestamp;
use crate::domain::{checked_string, is_slug};

checked_string! {
    /// A carrier's code in WeChat's list of express companies (`SF`, `ZTO`, `YTO`, `JD`, ...):
    /// 1..=32 characters of `A-Z a-z 0-9 _ -`.
    pub struct Carrier;
    check = |text| is_slug(text, 32),
    expecting = "must be a carrier code from WeChat's list of express companies (e.g. SF, ZTO, YTO)",
}

checked_string! {
    /// A tracking number: 1..=64 characters of `A-Z a-z 0-9 _ -`.
    pub struct TrackingNo;
    check = |text| is_slug(text, 64),
    expecting = "must be a tracking number: 1-64 characters of A-Z a-z 0-9 _ -",
}

/// An order's first parcel, as answers gave it before split delivery (`shipment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    pub carrier: Carrier,
    pub tracking_no: TrackingNo,
    pub shipped_at: Timestamp,
    /// When WeChat accepted the shipping report; `None` until it did (reporting again is safe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<Timestamp>,
}

/// Why an order cannot be shipped as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipRefusal {
    #[error("the order is {0}: only a paid order can be shipped")]
    NotPaid(OrderStatus),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{carrier} {tracking_no} already left in another delivery of this order")]
    ShippedOtherwise {
        carrier: Carrier,
        tracking_no: TrackingNo,
    },
    /// WeChat requires the receiver's (masked) phone number in an SF Express report, and the
    /// order has no delivery address to take it from.
    #[error(
        "{carrier} needs the receiver's phone number, and this order has no delivery address: ship it with another carrier"
    )]
    NoReceiverContact { carrier: Carrier },
}

impl ShipRefusal {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl Carrier {
    /// SF Express (顺丰)'s code in WeChat's list of delivery companies.
    pub const SF: &'static str = "SF";

    /// Whether WeChat requires the receiver's contact in a report of this carrier (SF Express).
    pub fn needs_receiver_contact(&self) -> bool {
        self.as_str() == Self::SF
    }
}

/// How goods reach the buyer, with WeChat's code (`logistics_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum LogisticsType {
    /// 1: by an express company, with tracking numbers.
    Express = 1,
    /// 2: same-city delivery.
    SameCity = 2,
    /// 3: virtual goods, nothing to carry.
    Virtual = 3,
    /// 4: the buyer picks it up.
    SelfPickup = 4,
}

impl TryFrom<i64> for LogisticsType {
    type Error = &'static str;

    fn try_from(code: i64) -> Result<Self, Self::Error> {
        match code {
            1 => Ok(Self::Express),
            2 => Ok(Self::SameCity),
            3 => Ok(Self::Virtual),
            4 => Ok(Self::SelfPickup),
            _ => Err("must be 1 (express), 2 (same-city), 3 (virtual goods) or 4 (self-pickup)"),
        }
    }
}

impl From<LogisticsType> for i64 {
    fn from(kind: LogisticsType) -> Self {
        kind as i64
    }
}

/// Units of one order line that left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippedItem {
    pub product_id: ProductId,
    pub sku_id: SkuId,
    pub quantity: i64,
}

/// One parcel of an express delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parcel {
    pub carrier: Carrier,
    pub tracking_no: TrackingNo,
    pub items: Vec<ShippedItem>,
}

/// One shipping call's goods: what left, how, and whether WeChat was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub logistics_type: LogisticsType,
    /// The parcels of an express delivery; empty for the other kinds.
    #[serde(default)]
    pub parcels: Vec<Parcel>,
    /// Everything that left in this delivery (the parcels' items together).
    pub items: Vec<ShippedItem>,
    pub shipped_at: Timestamp,
    /// When WeChat accepted its shipping report; `None` until it did (reporting again is safe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<Timestamp>,
}

/// An order's deliveries, answered as `deliveries` and, for clients written before split
/// delivery, `shipment`: the first parcel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deliveries(pub Vec<Delivery>);

impl std::ops::Deref for Deliveries {
    type Target = Vec<Delivery>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Deliveries {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Serialize for Deliveries {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("deliveries", &self.0)?;
        if let Some(first) = first_parcel(&self.0) {
            map.serialize_entry("shipment", &first)?;
        }
        map.end()
    }
}

/// The first parcel, as answers gave it before split delivery.
pub(super) fn first_parcel(deliveries: &[Delivery]) -> Option<Shipment> {
    let delivery = deliveries.iter().find(|d| !d.parcels.is_empty())?;
    let parcel = delivery.parcels.first()?;
    Some(Shipment {
        carrier: parcel.carrier.clone(),
        tracking_no: parcel.tracking_no.clone(),
        shipped_at: delivery.shipped_at,
        reported_at: delivery.reported_at,
    })
}
