//! Orders and idempotency records in the table. An order, its stock decrements and its
//! idempotency record are written in one transaction: all or nothing.

mod after_sales;
mod checkout;
mod decisions;
mod queues;
mod transitions;

pub use queues::DayFilter;
pub use transitions::PaidOutcome;

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{Attributes, Item, n, s};
use super::keys::{self, attr, field, item_type};
use crate::domain::catalog::SkuId;
use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::orders::{
    Carrier, Deliveries, Delivery, Holdings, LogisticsType, Order, OrderLine, OrderStatus, Parcel, Payment,
    Prepay, ShippedItem, Shortage, TrackingNo,
};
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

/// What an idempotency key was used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// SHA-256 of the key scoped to its user.
    pub digest: String,
    pub order_id: OrderId,
    /// SHA-256 of the request the key was first used for.
    pub fingerprint: String,
    pub expires_at: Timestamp,
}

/// How an attempt to create an order ended.
#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// The idempotency key was taken meanwhile (a concurrent duplicate won).
    KeyTaken,
    /// Stock or status changed since the read: these products failed their condition.
    Short(Vec<Shortage>),
    /// The user would hold more unpaid orders or units than allowed: what they hold.
    Held(Holdings),
    /// Another transaction touched the same items, or the order id was taken: safe to retry.
    Conflict,
}

/// How an attempt to cancel an order ended.
#[derive(Debug)]
pub enum CancelOutcome {
    Cancelled,
    /// The order was no longer PENDING_PAYMENT (cancelled concurrently): re-read it.
    AlreadyChanged,
    Conflict,
}

/// The actions of the order-creating transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CreateAction {
    Record,
    Order,
    Holdings,
    Stock(ProductId),
}

/// The actions of the cancelling transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CancelAction {
    Order,
    Release,
    Restock(ProductId),
    /// The refund filed in the money book (unconditional: it never fails).
    Ledger,
}

/// Refuses a transition the domain's table does not list (a bug, caught before any write).
fn allowed(from: OrderStatus, to: OrderStatus) -> Result<(), StorageError> {
    if from.can_become(to) {
        Ok(())
    } else {
        Err(StorageError::failed(
            "changing the order's status",
            format!("{from} -> {to} is not a transition of an order"),
        ))
    }
}

/// How an order is closed with its stock put back.
#[derive(Debug, Clone, Copy)]
struct Restocking {
    from: OrderStatus,
    to: OrderStatus,
    /// The attribute that records when.
    at: &'static str,
    /// Whether the order still counts in its user's holdings (an unpaid one does).
    release_holdings: bool,
}

/// An unpaid order cancelled (by its owner or the expiry sweep).
const CANCEL: Restocking = Restocking {
    from: OrderStatus::PendingPayment,
    to: OrderStatus::Cancelled,
    at: field::order::CANCELLED_AT,
    release_holdings: true,
};

/// A refunded order: the refund succeeded.
const REFUND: Restocking = Restocking {
    from: OrderStatus::Refunding,
    to: OrderStatus::Refunded,
    at: field::order::REFUNDED_AT,
    release_holdings: false,
};

/// What a cancelling transaction leaves out after a first attempt showed it cannot apply.
#[derive(Debug, Default)]
struct Skip {
    /// Products deleted since the order: their stock is not restored.
    products: HashSet<ProductId>,
    /// The user's holdings were never counted for this order (placed before the caps existed).
    release: bool,
}

fn record_item(record: &IdempotencyRecord) -> Attributes {
    let key = keys::idempotency(&record.digest);
    HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(item_type::IDEMPOTENCY)),
        (
            field::idempotency::ORDER_ID.to_owned(),
            s(record.order_id.as_str()),
        ),
        (field::idempotency::FINGERPRINT.to_owned(), s(&record.fingerprint)),
        (attr::TTL.to_owned(), n(record.expires_at.epoch_secs())),
    ])
}

fn record_from(attributes: &Attributes) -> Result<IdempotencyRecord, StorageError> {
    let item = Item(attributes);
    let pk = item.s(attr::PK)?;
    Ok(IdempotencyRecord {
        digest: keys::Key::id_of(&pk, &keys::idempotency(""))
            .ok_or_else(|| super::item::corrupt(attr::PK))?
            .to_owned(),
        order_id: item.parsed(field::idempotency::ORDER_ID, OrderId::parse)?,
        fingerprint: item.s(field::idempotency::FINGERPRINT)?,
        expires_at: Timestamp::from_epoch_secs(item.n::<i64>(attr::TTL)?)
            .ok_or_else(|| super::item::corrupt(attr::TTL))?,
    })
}

fn order_item(order: &Order) -> Attributes {
    use field::order as f;
    let key = keys::order(order.order_id.as_str());
    let created_at = order.created_at.to_string();
    let lines = order
        .items
        .iter()
        .map(|line| {
            let mut attributes = HashMap::from([
                (f::LINE_PRODUCT_ID.to_owned(), s(line.product_id.as_str())),
                (f::LINE_NAME.to_owned(), s(&line.name)),
                (f::LINE_PRICE_FEN.to_owned(), n(line.price_fen)),
                (f::LINE_QUANTITY.to_owned(), n(line.quantity)),
                (f::LINE_SUBTOTAL_FEN.to_owned(), n(line.subtotal_fen)),
            ]);
            if !line.sku_id.is_default() {
                attributes.insert(f::LINE_SKU_ID.to_owned(), s(line.sku_id.as_str()));
            }
            if !line.spec_values.is_empty() {
                // A list of [name, value] pairs: a map would lose the specs' order.
                let values = line
                    .spec_values
                    .iter()
                    .map(|(name, value)| AttributeValue::L(vec![s(name), s(value)]))
                    .collect();
                attributes.insert(f::LINE_SPEC_VALUES.to_owned(), AttributeValue::L(values));
            }
            AttributeValue::M(attributes)
        })
        .collect();
    let mut item = HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(item_type::ORDER)),
        (
            attr::GSI1PK.to_owned(),
            s(keys::user_orders(order.openid.as_str())),
        ),
        (
            attr::GSI1SK.to_owned(),
            s(keys::order_position(&created_at, order.order_id.as_str())),
        ),
        (f::ORDER_ID.to_owned(), s(order.order_id.as_str())),
        (f::OPENID.to_owned(), s(order.openid.as_str())),
        (f::STATUS.to_owned(), s(order.status.as_str())),
        (f::ITEMS.to_owned(), AttributeValue::L(lines)),
        (f::TOTAL_FEN.to_owned(), n(order.total_fen)),
        (f::CREATED_AT.to_owned(), s(created_at)),
        (f::UPDATED_AT.to_owned(), s(order.updated_at.to_string())),
        (f::PAY_BY.to_owned(), s(order.pay_by.to_string())),
    ]);
    if order.status == OrderStatus::PendingPayment {
        let pay_by = order.pay_by.to_string();
        item.insert(attr::GSI2PK.to_owned(), s(keys::UNPAID));
        item.insert(
            attr::GSI2SK.to_owned(),
            s(keys::queue_position(&pay_by, order.order_id.as_str())),
        );
    }
    if let Some(remark) = &order.remark {
        item.insert(f::REMARK.to_owned(), s(remark));
    }
    if order.remark_unchecked {
        item.insert(f::REMARK_UNCHECKED.to_owned(), AttributeValue::Bool(true));
    }
    // The back office lists orders by the day they were placed, and finds one by the last four
    // digits of its phone.
    item.insert(
        attr::GSI3PK.to_owned(),
        s(keys::orders_of_day(&order.created_at.china_day())),
    );
    item.insert(
        attr::GSI3SK.to_owned(),
        s(keys::order_position(
            &order.created_at.to_string(),
            order.order_id.as_str(),
        )),
    );
    if let Some(address) = &order.address {
        let digits: String = address.tel_number.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 4 {
            item.insert(f::PHONE_LAST4.to_owned(), s(&digits[digits.len() - 4..]));
        }
        // An Address always serialises; the text is the snapshot as the buyer chose it.
        item.insert(
            f::ADDRESS.to_owned(),
            s(serde_json::to_string(address).unwrap_or_default()),
        );
    }
    item
}

fn order_from(attributes: &Attributes) -> Result<Order, StorageError> {
    use field::order as f;
    let item = Item(attributes);
    let lines = match attributes.get(f::ITEMS) {
        Some(AttributeValue::L(lines)) => lines
            .iter()
            .map(|line| {
                let map = line.as_m().map_err(|_| super::item::corrupt(f::ITEMS))?;
                let line = Item(map);
                let spec_values = match map.get(f::LINE_SPEC_VALUES) {
                    Some(AttributeValue::L(pairs)) => pairs
                        .iter()
                        .filter_map(|pair| match pair.as_l().ok()?.as_slice() {
                            [name, value] => Some((name.as_s().ok()?.clone(), value.as_s().ok()?.clone())),
                            _ => None,
                        })
                        .collect(),
                    _ => Default::default(),
                };
                Ok(OrderLine {
                    product_id: line.parsed(f::LINE_PRODUCT_ID, ProductId::parse)?,
                    sku_id: match line.opt_s(f::LINE_SKU_ID) {
                        Some(_) => line.parsed(f::LINE_SKU_ID, SkuId::parse)?,
                        None => SkuId::default_sku(),
                    },
                    spec_values,
                    name: line.s(f::LINE_NAME)?,
                    price_fen: line.n(f::LINE_PRICE_FEN)?,
                    quantity: line.n(f::LINE_QUANTITY)?,
                    subtotal_fen: line.n(f::LINE_SUBTOTAL_FEN)?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?,
        _ => return Err(super::item::corrupt(f::ITEMS)),
    };
    let lines_for_legacy = lines.clone();
    Ok(Order {
        order_id: item.parsed(f::ORDER_ID, OrderId::parse)?,
        openid: item.parsed(f::OPENID, Openid::parse)?,
        status: item.parsed(f::STATUS, OrderStatus::parse)?,
        items: lines,
        total_fen: item.n(f::TOTAL_FEN)?,
        remark: item.opt_s(f::REMARK),
        reminded: item.0.contains_key(f::REMINDED_AT),
        remark_unchecked: item
            .0
            .get(f::REMARK_UNCHECKED)
            .is_some_and(|v| v == &AttributeValue::Bool(true)),
        created_at: item.time(f::CREATED_AT)?,
        updated_at: item.time(f::UPDATED_AT)?,
        pay_by: item.time(f::PAY_BY)?,
        cancelled_at: item.opt_time(f::CANCELLED_AT)?,
        completed_at: item.opt_time(f::COMPLETED_AT)?,
        payment: match (item.opt_s(f::TRANSACTION_ID), item.opt_time(f::PAID_AT)?) {
            (Some(transaction_id), Some(paid_at)) => Some(Payment {
                transaction_id,
                paid_at,
            }),
            _ => None,
        },
        prepay: match (item.opt_s(f::PREPAY_ID), item.opt_time(f::PREPAY_EXPIRES_AT)?) {
            (Some(id), Some(expires_at)) => Some(Prepay { id, expires_at }),
            _ => None,
        },
        refund_issue: item.opt_s(f::REFUND_ISSUE),
        address: item
            .opt_s(f::ADDRESS)
            .map(|json| serde_json::from_str(&json).map_err(|_| super::item::corrupt(f::ADDRESS)))
            .transpose()?,
        deliveries: Deliveries(deliveries_from(&item, &lines_for_legacy)?),
        refunds: after_sales::ledger_from(attributes)?,
    })
}

/// The deliveries as stored, in JSON without their report times.
fn deliveries_json(deliveries: &[Delivery]) -> String {
    let stored: Vec<Delivery> = deliveries
        .iter()
        .map(|delivery| Delivery {
            reported_at: None,
            ..delivery.clone()
        })
        .collect();
    // Deliveries are plain data: they always serialise.
    serde_json::to_string(&stored).unwrap_or_default()
}

/// An order's deliveries with their report times; an order shipped before split delivery has
/// one express delivery of one parcel carrying every line.
fn deliveries_from(item: &Item<'_>, lines: &[OrderLine]) -> Result<Vec<Delivery>, StorageError> {
    use field::order as f;
    let mut deliveries: Vec<Delivery> = match item.opt_s(f::DELIVERIES) {
        Some(json) => serde_json::from_str(&json).map_err(|_| super::item::corrupt(f::DELIVERIES))?,
        None => match item.opt_s(f::CARRIER) {
            Some(_) => {
                let items: Vec<ShippedItem> = lines
                    .iter()
                    .map(|line| ShippedItem {
                        product_id: line.product_id.clone(),
                        sku_id: line.sku_id.clone(),
                        quantity: line.quantity,
                    })
                    .collect();
                vec![Delivery {
                    logistics_type: LogisticsType::Express,
                    parcels: vec![Parcel {
                        carrier: item.parsed(f::CARRIER, Carrier::parse)?,
                        tracking_no: item.parsed(f::TRACKING_NO, TrackingNo::parse)?,
                        items: items.clone(),
                    }],
                    items,
                    shipped_at: item.time(f::SHIPPED_AT)?,
                    reported_at: item.opt_time(f::SHIPPING_REPORTED_AT)?,
                }]
            }
            None => Vec::new(),
        },
    };
    if let Some(AttributeValue::L(reports)) = item.0.get(f::SHIPPING_REPORTS) {
        for (delivery, report) in deliveries.iter_mut().zip(reports) {
            let at = report
                .as_s()
                .ok()
                .and_then(|text| Timestamp::parse(text))
                .ok_or_else(|| super::item::corrupt(f::SHIPPING_REPORTS))?;
            delivery.reported_at = Some(at);
        }
    }
    Ok(deliveries)
}
