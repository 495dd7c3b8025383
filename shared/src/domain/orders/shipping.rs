//! A parcel: the carrier and tracking number an order is shipped with.

use serde::Serialize;

use super::status::OrderStatus;
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

/// How an order was shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    #[error("the order was already shipped with {carrier} {tracking_no}")]
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

impl Carrier {
    /// SF Express (顺丰)'s code in WeChat's list of delivery companies.
    pub const SF: &'static str = "SF";

    /// Whether WeChat requires the receiver's contact in a report of this carrier (SF Express).
    pub fn needs_receiver_contact(&self) -> bool {
        self.as_str() == Self::SF
    }
}
