//! What an order has given back: the units under an after-sales request or refunded, the money
//! of refunds started and confirmed, and the request waiting for a person.

use crate::domain::catalog::SkuRef;

/// What an order has given back so far: the units under request or refunded, per SKU; the money
/// of refunds started; the request waiting for a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundLedger {
    /// Money of refunds asked of WeChat Pay (under way or done).
    pub refunded_fen: i64,
    /// Money of refunds WeChat Pay confirmed.
    pub succeeded_fen: i64,
    /// Units under a request or refunded, by SKU.
    pub units: Vec<(SkuRef, i64)>,
    /// Units refunded before they left: they will never ship.
    pub withheld: Vec<(SkuRef, i64)>,
    /// Requests made so far (the next is `count + 1`).
    pub count: u32,
    /// The request waiting for a person, if any.
    pub open: Option<u32>,
}

impl RefundLedger {
    fn of(list: &[(SkuRef, i64)], sku: &SkuRef) -> i64 {
        list.iter().find(|(s, _)| s == sku).map_or(0, |(_, n)| *n)
    }

    /// Units of `sku` under a request or refunded.
    pub fn units_of(&self, sku: &SkuRef) -> i64 {
        Self::of(&self.units, sku)
    }

    /// Whether nothing was ever asked back.
    pub fn is_empty(&self) -> bool {
        self.count == 0 && self.refunded_fen == 0
    }

    /// Units of `sku` refunded before they left.
    pub fn withheld_of(&self, sku: &SkuRef) -> i64 {
        Self::of(&self.withheld, sku)
    }
}
