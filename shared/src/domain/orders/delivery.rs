//! Planning a delivery: what one shipping call takes of what has not left yet (split delivery),
//! by one logistics type, an express delivery in up to 15 parcels; and telling a repeat.

use serde::Deserialize;

use super::order::{Order, OrderLine};
use super::shipping::{
    Carrier, Delivery, LogisticsType, Parcel, ShipRefusal, Shipment, ShippedItem, TrackingNo, first_parcel,
};
use super::status::OrderStatus;
use crate::domain::catalog::SkuId;
use crate::domain::ids::ProductId;
use crate::domain::time::Timestamp;

/// WeChat's limit of parcels in one shipping report.
pub const MAX_PARCELS: usize = 15;

/// One item of a shipping request: which line (by product, by SKU, or both) and how many.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemRequest {
    #[serde(default)]
    pub product_id: Option<ProductId>,
    #[serde(default)]
    pub sku_id: Option<SkuId>,
    pub quantity: i64,
}

/// One parcel of a shipping request; without `items` (one parcel only) it carries everything
/// that has not left yet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParcelRequest {
    pub carrier: Carrier,
    pub tracking_no: TrackingNo,
    #[serde(default)]
    pub items: Option<Vec<ItemRequest>>,
}

/// What an operator ships in one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipRequest {
    pub logistics_type: LogisticsType,
    /// Express only: 1..=15 parcels.
    pub parcels: Vec<ParcelRequest>,
    /// The other kinds: the units leaving (absent: everything not yet shipped).
    pub items: Option<Vec<ItemRequest>>,
}

/// What a shipping call does to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryPlan {
    /// A new delivery; the order becomes `status` (SHIPPED once every unit left).
    Ship { delivery: Delivery, status: OrderStatus },
    /// The same call again (the same parcels, or the same kind once everything left): nothing
    /// to write, only reports still owed to WeChat.
    Repeat,
}

impl Order {
    /// The units of each line still to ship (neither shipped nor refunded before leaving), in the
    /// order of the lines.
    pub fn unshipped(&self) -> Vec<(&OrderLine, i64)> {
        self.items
            .iter()
            .map(|line| (line, self.in_warehouse(line)))
            .collect()
    }

    /// How `request` ships this order at `now`, or why it cannot.
    pub fn plan_delivery(&self, request: &ShipRequest, now: Timestamp) -> Result<DeliveryPlan, ShipRefusal> {
        if self.is_repeat(request)? {
            return Ok(DeliveryPlan::Repeat);
        }
        if let (OrderStatus::Shipped, Some(first)) = (self.status, self.first_parcel()) {
            return Err(ShipRefusal::ShippedOtherwise {
                carrier: first.carrier,
                tracking_no: first.tracking_no,
            });
        }
        if !matches!(self.status, OrderStatus::Paid | OrderStatus::PartiallyShipped) {
            return Err(ShipRefusal::NotPaid(self.status));
        }
        let mut left: Vec<(&OrderLine, i64)> = self.unshipped();
        let (parcels, items) = if request.logistics_type == LogisticsType::Express {
            if request.parcels.is_empty() || request.parcels.len() > MAX_PARCELS {
                return Err(ShipRefusal::invalid(
                    "parcels",
                    format!("an express delivery has 1 to {MAX_PARCELS} parcels"),
                ));
            }
            let mut parcels = Vec::with_capacity(request.parcels.len());
            let several = request.parcels.len() > 1;
            for (p, parcel) in request.parcels.iter().enumerate() {
                if parcel.carrier.needs_receiver_contact() && self.address.is_none() {
                    return Err(ShipRefusal::NoReceiverContact {
                        carrier: parcel.carrier.clone(),
                    });
                }
                let items = match &parcel.items {
                    Some(items) => take(self, &mut left, items, &format!("parcels[{p}].items"))?,
                    None if several => {
                        return Err(ShipRefusal::invalid(
                            format!("parcels[{p}].items"),
                            "is required when a delivery has several parcels",
                        ));
                    }
                    None => take_all(&mut left),
                };
                parcels.push(Parcel {
                    carrier: parcel.carrier.clone(),
                    tracking_no: parcel.tracking_no.clone(),
                    items,
                });
            }
            let mut numbers: Vec<(&str, &str)> = parcels
                .iter()
                .map(|p| (p.carrier.as_str(), p.tracking_no.as_str()))
                .collect();
            numbers.sort_unstable();
            if numbers.windows(2).any(|pair| pair[0] == pair[1]) {
                return Err(ShipRefusal::invalid("parcels", "a tracking number appears twice"));
            }
            let items = merge(parcels.iter().flat_map(|p| &p.items));
            (parcels, items)
        } else {
            if !request.parcels.is_empty() {
                return Err(ShipRefusal::invalid(
                    "parcels",
                    "only an express delivery (logisticsType 1) has parcels",
                ));
            }
            let items = match &request.items {
                Some(items) => take(self, &mut left, items, "items")?,
                None => take_all(&mut left),
            };
            (Vec::new(), items)
        };
        if items.is_empty() {
            return Err(ShipRefusal::invalid(
                "items",
                "ships nothing: name at least one unit",
            ));
        }
        let everything = left.iter().all(|(_, n)| *n == 0);
        Ok(DeliveryPlan::Ship {
            delivery: Delivery {
                logistics_type: request.logistics_type,
                parcels,
                items,
                shipped_at: now,
                reported_at: None,
            },
            status: if everything {
                OrderStatus::Shipped
            } else {
                OrderStatus::PartiallyShipped
            },
        })
    }

    /// Whether `request` is a delivery this order already has: its parcels exactly, or (another
    /// kind, naming no items) the kind of the last delivery of an order that has wholly left. A
    /// tracking number already used by another delivery is refused.
    fn is_repeat(&self, request: &ShipRequest) -> Result<bool, ShipRefusal> {
        let asked: Vec<(&Carrier, &TrackingNo)> = request
            .parcels
            .iter()
            .map(|p| (&p.carrier, &p.tracking_no))
            .collect();
        for delivery in self.deliveries.iter() {
            let known: Vec<(&Carrier, &TrackingNo)> = delivery
                .parcels
                .iter()
                .map(|p| (&p.carrier, &p.tracking_no))
                .collect();
            let same =
                !asked.is_empty() && asked.len() == known.len() && asked.iter().all(|a| known.contains(a));
            if same {
                return Ok(true);
            }
            if let Some((carrier, tracking_no)) = asked.iter().find(|a| known.contains(a)) {
                return Err(ShipRefusal::ShippedOtherwise {
                    carrier: (*carrier).clone(),
                    tracking_no: (*tracking_no).clone(),
                });
            }
        }
        let last_kind = self.deliveries.last().map(|d| d.logistics_type);
        Ok(self.status == OrderStatus::Shipped
            && asked.is_empty()
            && request.items.is_none()
            && last_kind == Some(request.logistics_type))
    }

    /// The first parcel, as answers gave it before split delivery (`shipment`).
    pub fn first_parcel(&self) -> Option<Shipment> {
        first_parcel(&self.deliveries)
    }

    /// Units of `line` still in the warehouse: bought, less shipped, less those refunded before
    /// they left.
    pub fn in_warehouse(&self, line: &OrderLine) -> i64 {
        line.quantity - self.shipped_units(line) - self.refunds.withheld_of(&line.sku_ref())
    }

    /// How many units of `line` have left.
    pub fn shipped_units(&self, line: &OrderLine) -> i64 {
        self.deliveries
            .iter()
            .flat_map(|d| &d.items)
            .filter(|item| item.product_id == line.product_id && item.sku_id == line.sku_id)
            .map(|item| item.quantity)
            .sum()
    }
}

/// Takes `items` from what is `left`, naming the first item that matches no line, matches
/// several, or asks for more than is left.
fn take(
    order: &Order,
    left: &mut [(&OrderLine, i64)],
    items: &[ItemRequest],
    field: &str,
) -> Result<Vec<ShippedItem>, ShipRefusal> {
    if items.is_empty() {
        return Err(ShipRefusal::invalid(field, "must name at least one item"));
    }
    let mut taken = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let line = order
            .find_line(item.product_id.as_ref(), item.sku_id.as_ref())
            .map_err(|why| ShipRefusal::invalid(&field, why))?;
        let Some(index) = left.iter().position(|(l, _)| std::ptr::eq(*l, line)) else {
            return Err(ShipRefusal::invalid(field, "is not a line of this order"));
        };
        let (line, remaining) = &mut left[index];
        if item.quantity < 1 || item.quantity > *remaining {
            return Err(ShipRefusal::invalid(
                format!("{field}.quantity"),
                format!("must be 1 to {remaining}: the units of this line not shipped yet"),
            ));
        }
        *remaining -= item.quantity;
        taken.push(ShippedItem {
            product_id: line.product_id.clone(),
            sku_id: line.sku_id.clone(),
            quantity: item.quantity,
        });
    }
    Ok(merge(taken.iter()))
}

/// Everything still `left`, taken.
fn take_all(left: &mut [(&OrderLine, i64)]) -> Vec<ShippedItem> {
    left.iter_mut()
        .filter(|(_, n)| *n > 0)
        .map(|(line, n)| {
            let quantity = std::mem::take(n);
            ShippedItem {
                product_id: line.product_id.clone(),
                sku_id: line.sku_id.clone(),
                quantity,
            }
        })
        .collect()
}

/// Items of the same line added together, in the order they first appear.
fn merge<'a>(items: impl Iterator<Item = &'a ShippedItem>) -> Vec<ShippedItem> {
    let mut merged: Vec<ShippedItem> = Vec::new();
    for item in items {
        match merged
            .iter_mut()
            .find(|m| m.product_id == item.product_id && m.sku_id == item.sku_id)
        {
            Some(existing) => existing.quantity += item.quantity,
            None => merged.push(item.clone()),
        }
    }
    merged
}
