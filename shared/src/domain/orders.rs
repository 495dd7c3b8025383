//! Orders: what a valid order request is, how it is priced, what an order holds and which
//! states it moves through. Prices always come from the products, never from the client.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::catalog::Product;
use super::ids::{Openid, OrderId, ProductId};
use super::number::Whole;
use super::time::Timestamp;
use super::{checked_string, closed_set, is_slug};

/// How long a new order waits for payment.
pub const PAY_WINDOW: Duration = Duration::from_secs(30 * 60);
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY: i64 = 99;
pub const REMARK_MAX_CHARS: usize = 200;

/// Why an order cannot be placed or changed, in the order domain's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// Products that do not exist or are not on sale.
    #[error("these products cannot be ordered: {}", ids(.shortages))]
    ProductsUnavailable { shortages: Vec<Shortage> },
    #[error("not enough stock for: {}", ids(.shortages))]
    OutOfStock { shortages: Vec<Shortage> },
    #[error("the total is now {total_fen} fen, not {expected_fen}")]
    PriceChanged { total_fen: i64, expected_fen: i64 },
    #[error("the order total does not fit in an integer")]
    TotalOverflow,
    /// The caller holds too many unpaid orders, or too many unpaid units of a product.
    #[error("{}", holding_message(.holdings, .limits))]
    HoldingLimit {
        holdings: Holdings,
        limits: HoldingLimits,
    },
}

fn holding_message(holdings: &Holdings, limits: &HoldingLimits) -> String {
    if holdings.pending_orders >= limits.max_pending_orders {
        return format!(
            "you already have {} unpaid orders (at most {}); pay or cancel one first",
            holdings.pending_orders, limits.max_pending_orders
        );
    }
    let ids: Vec<&str> = holdings.units.iter().map(|(id, _)| id.as_str()).collect();
    format!(
        "unpaid orders may hold at most {} units of one product: {}",
        limits.max_units_per_product,
        ids.join(", ")
    )
}

/// How much one user may hold in unpaid orders: stock they reserve and nobody else can buy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldingLimits {
    pub max_pending_orders: u32,
    pub max_units_per_product: i64,
}

impl Default for HoldingLimits {
    /// Five unpaid orders and 99 units of one product: one full line of the largest order, but
    /// never the whole stock of a product through a row of unpaid orders.
    fn default() -> Self {
        Self {
            max_pending_orders: 5,
            max_units_per_product: MAX_QUANTITY,
        }
    }
}

/// What a user holds in unpaid orders, as far as a refusal needs to tell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holdings {
    pub pending_orders: u32,
    /// Units held of the products that hit the limit (with the units asked for now).
    pub units: Vec<(ProductId, i64)>,
}

impl HoldingLimits {
    /// The lines of `request` that alone ask for more than a user may hold.
    pub fn check_lines(&self, request: &OrderRequest) -> Result<(), OrderError> {
        let over: Vec<(ProductId, i64)> = request
            .items
            .iter()
            .filter(|line| line.quantity.get() > self.max_units_per_product)
            .map(|line| (line.product_id.clone(), 0))
            .collect();
        if over.is_empty() {
            return Ok(());
        }
        Err(OrderError::HoldingLimit {
            holdings: Holdings {
                pending_orders: 0,
                units: over,
            },
            limits: *self,
        })
    }
}

fn ids(shortages: &[Shortage]) -> String {
    let ids: Vec<&str> = shortages.iter().map(|s| s.product_id.as_str()).collect();
    ids.join(", ")
}

impl OrderError {
    fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A line's quantity: an integer from 1 to 99 (`2` or `2.0`; no strings, no fractions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Whole", into = "i64")]
pub struct Quantity(u32);

impl TryFrom<Whole> for Quantity {
    type Error = String;

    fn try_from(value: Whole) -> Result<Self, Self::Error> {
        Self::try_from(value.0)
    }
}

impl TryFrom<i64> for Quantity {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        if (1..=MAX_QUANTITY).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(format!("must be an integer from 1 to {MAX_QUANTITY}"))
        }
    }
}

impl From<Quantity> for i64 {
    fn from(q: Quantity) -> Self {
        i64::from(q.0)
    }
}

impl Quantity {
    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// A remark: at most 200 characters, no control characters but newlines, no invisible format characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Remark(String);

impl TryFrom<String> for Remark {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.chars().count() > REMARK_MAX_CHARS {
            return Err(format!("must be at most {REMARK_MAX_CHARS} characters"));
        }
        super::text::check_shown_text(&value, true)?;
        Ok(Self(value))
    }
}

impl Remark {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Remark> for String {
    fn from(remark: Remark) -> Self {
        remark.0
    }
}

/// One requested line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LineRequest {
    pub product_id: ProductId,
    pub quantity: Quantity,
}

/// `submitOrder`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderRequest {
    pub items: Vec<LineRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::number::optional")]
    pub expected_total_fen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<Remark>,
}

impl OrderRequest {
    /// Checks the shape rules: 1..=20 lines, each product at most once (duplicates are rejected,
    /// not merged, so a client bug is seen rather than silently summed).
    pub fn validate(&self) -> Result<(), OrderError> {
        if self.items.is_empty() || self.items.len() > MAX_LINES {
            return Err(OrderError::invalid(
                "items",
                format!("must hold 1 to {MAX_LINES} lines"),
            ));
        }
        let mut seen = HashSet::new();
        for (i, line) in self.items.iter().enumerate() {
            if !seen.insert(&line.product_id) {
                return Err(OrderError::invalid(
                    format!("items[{i}].productId"),
                    format!(
                        "product {} appears twice; send one line per product",
                        line.product_id
                    ),
                ));
            }
        }
        if self.expected_total_fen.is_some_and(|t| t < 0) {
            return Err(OrderError::invalid("expectedTotalFen", "must not be negative"));
        }
        Ok(())
    }

    /// The request in one canonical form: its digest tells a retry from a different request
    /// under the same idempotency key.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn product_ids(&self) -> impl Iterator<Item = &ProductId> {
        self.items.iter().map(|line| &line.product_id)
    }
}

/// The `Idempotency-Key` header: 8..=64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const HEADER: &'static str = "idempotency-key";

    pub fn parse(header: &str) -> Option<Self> {
        super::is_slug(header, 64)
            .then_some(header)
            .filter(|key| key.len() >= 8)
            .map(|key| Self(key.to_owned()))
    }

    /// The key scoped to its caller, so two users never share a key; the store keeps a digest of it.
    pub fn scoped_to(&self, openid: &Openid) -> String {
        format!("{openid}\n{}", self.0)
    }
}

closed_set! {
    /// An order's state.
    pub enum OrderStatus {
        PendingPayment = "PENDING_PAYMENT",
        Paid = "PAID",
        /// Handed to a carrier (reported to WeChat): the owner can no longer ask for a refund; the
        /// merchant can, and its stock is not put back.
        Shipped = "SHIPPED",
        /// A full refund was asked of WeChat Pay; its notification ends it.
        Refunding = "REFUNDING",
        Refunded = "REFUNDED",
        Cancelled = "CANCELLED",
    }
}

impl OrderStatus {
    /// Every transition an order may make: the one table of an order's life. The store writes
    /// each one conditionally on the order still being in `from`.
    pub const TRANSITIONS: &'static [(Self, Self)] = &[
        (Self::PendingPayment, Self::Paid),
        (Self::PendingPayment, Self::Cancelled),
        (Self::Paid, Self::Shipped),
        (Self::Paid, Self::Refunding),
        (Self::Shipped, Self::Refunding),
        (Self::Refunding, Self::Refunded),
    ];

    /// Whether an order in this state may move to `to`.
    pub fn can_become(self, to: Self) -> bool {
        Self::TRANSITIONS.contains(&(self, to))
    }
}

/// A line of an order: a snapshot of the product's name and price when it was ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub product_id: ProductId,
    pub name: String,
    pub price_fen: i64,
    pub quantity: i64,
    pub subtotal_fen: i64,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: OrderId,
    #[serde(skip)]
    pub openid: Openid,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub total_fen: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// The remark was accepted while WeChat's content check could not be asked: the merchant
    /// reviews it before showing it anywhere. Never answered.
    #[serde(skip)]
    pub remark_unchecked: bool,
    /// The owner was reminded to pay before the order closes. Never answered.
    #[serde(skip)]
    pub reminded: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub pay_by: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<Timestamp>,
    /// The payment, once WeChat Pay confirmed it.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub payment: Option<Payment>,
    /// The WeChat Pay prepay of this order, reused while it is valid. Never answered.
    #[serde(skip)]
    pub prepay: Option<Prepay>,
    /// How WeChat Pay ended a refund that did not succeed (`ABNORMAL`, `CLOSED`): the order stays
    /// REFUNDING until an operator settles it in the merchant platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_issue: Option<String>,
    /// How it was shipped, once it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
}

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
}

/// A confirmed payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// WeChat Pay's id of the transaction.
    pub transaction_id: String,
    pub paid_at: Timestamp,
}

/// What WeChat Pay says happened to a transaction (a notification's decrypted resource).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentNotice {
    pub mchid: String,
    pub appid: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub trade_state: String,
    pub amount: NoticeAmount,
    #[serde(default)]
    pub success_time: Option<String>,
}

/// The amount of a [`PaymentNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoticeAmount {
    pub total: i64,
    #[serde(default)]
    pub payer_total: Option<i64>,
    pub currency: String,
}

/// Why a notice does not describe a payment of this order by this merchant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the notice does not match the order: {0}")]
pub struct NoticeMismatch(pub &'static str);

/// What a matching notice means for the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeVerdict {
    /// Paid while awaiting payment: mark it paid.
    Pay,
    /// Already paid by this very transaction: a repeated notification.
    AlreadyPaid,
    /// Paid although the order was cancelled (its stock released): refund, never resurrect.
    Refund,
    /// Not a success (`NOTPAY`, `CLOSED`, ...): nothing to do.
    Ignore,
}

/// A WeChat Pay prepay: what `wx.requestPayment` needs, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepay {
    pub id: String,
    pub expires_at: Timestamp,
}

/// How long before `payBy` an order stops being payable: WeChat Pay wants `time_expire` at least a
/// minute ahead.
pub const PAY_MARGIN: Duration = Duration::from_secs(60);
/// The longest description WeChat Pay accepts, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 127;

/// Why an order cannot be refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the order is {0}: only a paid order that has not shipped can be refunded")]
pub struct RefundRefusal(pub OrderStatus);

/// What WeChat Pay says happened to a refund (a refund notification's decrypted resource).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RefundNotice {
    pub mchid: String,
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub refund_status: String,
    pub amount: RefundAmount,
}

/// The amount of a [`RefundNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RefundAmount {
    pub total: i64,
    pub refund: i64,
}

/// Why an order cannot be paid now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PayRefusal {
    #[error("the order is {0}, not awaiting payment")]
    NotPending(OrderStatus),
    #[error("the time to pay this order has passed")]
    Expired,
}

impl Order {
    /// This order as `mark_paid` leaves it.
    pub fn paid(&self, payment: Payment) -> Self {
        Self {
            status: OrderStatus::Paid,
            updated_at: payment.paid_at,
            payment: Some(payment),
            prepay: None,
            ..self.clone()
        }
    }

    /// Whether the order can be paid at `now`: awaiting payment, and a minute or more before `payBy`.
    pub fn check_payable(&self, now: Timestamp) -> Result<(), PayRefusal> {
        if self.status != OrderStatus::PendingPayment {
            return Err(PayRefusal::NotPending(self.status));
        }
        if now.plus(PAY_MARGIN) >= self.pay_by {
            return Err(PayRefusal::Expired);
        }
        Ok(())
    }

    /// The prepay to reuse at `now`, if one is still valid for a while.
    pub fn reusable_prepay(&self, now: Timestamp) -> Option<&Prepay> {
        self.prepay
            .as_ref()
            .filter(|p| p.expires_at > now.plus(PAY_MARGIN))
    }

    /// What a WeChat Pay notice means for this order, once it is checked to be about this order,
    /// from this merchant and app, for the whole amount in CNY.
    pub fn judge(
        &self,
        notice: &PaymentNotice,
        mchid: &str,
        appid: &str,
    ) -> Result<NoticeVerdict, NoticeMismatch> {
        if notice.mchid != mchid {
            return Err(NoticeMismatch("mchid"));
        }
        if notice.appid != appid {
            return Err(NoticeMismatch("appid"));
        }
        if notice.out_trade_no != self.order_id.as_str() {
            return Err(NoticeMismatch("out_trade_no"));
        }
        if notice.amount.total != self.total_fen {
            return Err(NoticeMismatch("amount"));
        }
        if notice.amount.currency != "CNY" {
            return Err(NoticeMismatch("currency"));
        }
        if notice.trade_state != "SUCCESS" {
            return Ok(NoticeVerdict::Ignore);
        }
        Ok(match (self.status, &self.payment) {
            (OrderStatus::PendingPayment, _) => NoticeVerdict::Pay,
            (
                OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Refunding | OrderStatus::Refunded,
                Some(payment),
            ) if payment.transaction_id == notice.transaction_id => NoticeVerdict::AlreadyPaid,
            (
                OrderStatus::Paid
                | OrderStatus::Shipped
                | OrderStatus::Refunding
                | OrderStatus::Refunded
                | OrderStatus::Cancelled,
                _,
            ) => NoticeVerdict::Refund,
        })
    }

    /// Whether a full refund may be asked: the owner, of a paid order that has not shipped; the
    /// merchant, also of a shipped one (goods returned or lost).
    pub fn check_refundable(&self, by_merchant: bool) -> Result<(), RefundRefusal> {
        match self.status {
            OrderStatus::Paid => Ok(()),
            OrderStatus::Shipped if by_merchant => Ok(()),
            status => Err(RefundRefusal(status)),
        }
    }

    /// Whether the order may be shipped with `carrier` and `tracking_no`: `Ok(true)` when it is
    /// paid, `Ok(false)` when it already shipped with exactly these (asking again is harmless).
    pub fn check_shippable(&self, carrier: &Carrier, tracking_no: &TrackingNo) -> Result<bool, ShipRefusal> {
        match (self.status, &self.shipment) {
            (OrderStatus::Paid, _) => Ok(true),
            (_, Some(shipment)) if shipment.carrier == *carrier && shipment.tracking_no == *tracking_no => {
                Ok(false)
            }
            (OrderStatus::Shipped, Some(shipment)) => Err(ShipRefusal::ShippedOtherwise {
                carrier: shipment.carrier.clone(),
                tracking_no: shipment.tracking_no.clone(),
            }),
            (status, _) => Err(ShipRefusal::NotPaid(status)),
        }
    }

    /// The refund number of this order's full refund: derived from the order, so asking again
    /// never refunds twice.
    pub fn refund_number(&self) -> String {
        format!("R{}", self.order_id)
    }

    /// What the payer sees: the first item's name, and how many items there are in all.
    pub fn description(&self) -> String {
        let first = self.items.first().map_or("", |line| line.name.as_str());
        let text = match self.items.len() {
            0 | 1 => first.to_owned(),
            n => format!("{first} 等{n}件商品"),
        };
        text.chars().take(DESCRIPTION_MAX_CHARS).collect()
    }
    /// Whether `openid` owns this order.
    pub fn is_owned_by(&self, openid: &Openid) -> bool {
        self.openid == *openid
    }

    /// Whether the order can still be cancelled (its stock is still held).
    pub fn is_cancellable(&self) -> bool {
        self.status == OrderStatus::PendingPayment
    }

    /// The order as it is once cancelled at `now`.
    pub fn cancelled(self, now: Timestamp) -> Self {
        Self {
            status: OrderStatus::Cancelled,
            cancelled_at: Some(now),
            updated_at: now,
            ..self
        }
    }
}

closed_set! {
    /// Why a product cannot be ordered.
    pub enum ShortageReason {
        OutOfStock = "OUT_OF_STOCK",
        OffSale = "OFF_SALE",
        NotFound = "NOT_FOUND",
    }
}

/// A product that cannot be ordered, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortage {
    pub product_id: ProductId,
    pub reason: ShortageReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

impl Shortage {
    /// Why `product` (as it is now, or `None` when it is gone) cannot supply `quantity`, if it cannot.
    pub fn of(product_id: &ProductId, product: Option<&Product>, quantity: i64) -> Option<Self> {
        let (reason, available) = match product {
            None => (ShortageReason::NotFound, None),
            Some(p) if !p.is_on_sale() => (ShortageReason::OffSale, None),
            Some(p) if p.stock < quantity => (ShortageReason::OutOfStock, Some(p.stock.max(0))),
            Some(_) => return None,
        };
        Some(Self {
            product_id: product_id.clone(),
            reason,
            available,
        })
    }
}

/// Prices `request` from the current `products` and builds the new order. Unknown or OFF_SALE
/// products are refused naming them, short stock is refused naming it, and a differing
/// `expectedTotalFen` is refused with the current total.
pub fn build_order(
    request: &OrderRequest,
    products: &HashMap<ProductId, Product>,
    openid: &Openid,
    order_id: OrderId,
    now: Timestamp,
) -> Result<Order, OrderError> {
    let unavailable: Vec<Shortage> = request
        .items
        .iter()
        .filter(|line| !products.get(&line.product_id).is_some_and(Product::is_on_sale))
        .filter_map(|line| Shortage::of(&line.product_id, products.get(&line.product_id), 0))
        .collect();
    if !unavailable.is_empty() {
        return Err(OrderError::ProductsUnavailable {
            shortages: unavailable,
        });
    }

    let mut lines = Vec::with_capacity(request.items.len());
    let mut shortages = Vec::new();
    let mut total_fen: i64 = 0;
    for line in &request.items {
        let product = &products[&line.product_id];
        let quantity = line.quantity.get();
        shortages.extend(Shortage::of(&line.product_id, Some(product), quantity));
        let subtotal_fen = product
            .price_fen
            .checked_mul(quantity)
            .ok_or(OrderError::TotalOverflow)?;
        total_fen = total_fen
            .checked_add(subtotal_fen)
            .ok_or(OrderError::TotalOverflow)?;
        lines.push(OrderLine {
            product_id: line.product_id.clone(),
            name: product.name.clone(),
            price_fen: product.price_fen,
            quantity,
            subtotal_fen,
        });
    }
    if let Some(expected_fen) = request.expected_total_fen
        && expected_fen != total_fen
    {
        return Err(OrderError::PriceChanged {
            total_fen,
            expected_fen,
        });
    }
    if !shortages.is_empty() {
        return Err(OrderError::OutOfStock { shortages });
    }
    Ok(Order {
        order_id,
        openid: openid.clone(),
        status: OrderStatus::PendingPayment,
        items: lines,
        total_fen,
        remark: request.remark.clone().map(String::from),
        remark_unchecked: false,
        reminded: false,
        created_at: now,
        updated_at: now,
        pay_by: now.plus(PAY_WINDOW),
        cancelled_at: None,
        payment: None,
        prepay: None,
        refund_issue: None,
        shipment: None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::catalog::{Category, ProductStatus};

    fn product(id: &str, price_fen: i64, stock: i64, status: ProductStatus) -> Product {
        Product {
            id: ProductId::parse(id).unwrap(),
            name: format!("name of {id}"),
            description: String::new(),
            price_fen,
            stock,
            category: Category::parse("tea").unwrap(),
            images: vec![],
            status,
            sort_order: 1,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    fn catalog(products: Vec<Product>) -> HashMap<ProductId, Product> {
        products.into_iter().map(|p| (p.id.clone(), p)).collect()
    }

    fn request(body: serde_json::Value) -> OrderRequest {
        serde_json::from_value(body).unwrap()
    }

    fn build(req: &OrderRequest, products: &HashMap<ProductId, Product>) -> Result<Order, OrderError> {
        let now = Timestamp::now();
        build_order(
            req,
            products,
            &Openid::parse("o1").unwrap(),
            OrderId::generate(now, 1),
            now,
        )
    }

    #[test]
    fn prices_come_from_the_products_and_lines_keep_a_snapshot() {
        let products = catalog(vec![
            product("a", 1250, 10, ProductStatus::OnSale),
            product("b", 99, 5, ProductStatus::OnSale),
        ]);
        let req =
            request(json!({"items": [{"productId": "a", "quantity": 2}, {"productId": "b", "quantity": 3}]}));
        let order = build(&req, &products).unwrap();
        assert_eq!(order.total_fen, 2 * 1250 + 3 * 99);
        assert_eq!(order.items[0].name, "name of a");
        assert_eq!(order.items[1].subtotal_fen, 297);
        assert_eq!(order.status, OrderStatus::PendingPayment);
        assert_eq!(order.pay_by.epoch_secs() - order.created_at.epoch_secs(), 1800);
    }

    #[test]
    fn a_wrong_expected_total_is_refused_with_the_current_total() {
        let products = catalog(vec![product("a", 1000, 10, ProductStatus::OnSale)]);
        let req = request(json!({"items": [{"productId": "a", "quantity": 1}], "expectedTotalFen": 900}));
        assert_eq!(
            build(&req, &products).unwrap_err(),
            OrderError::PriceChanged {
                total_fen: 1000,
                expected_fen: 900
            }
        );
    }

    #[test]
    fn unknown_and_off_sale_products_are_named_with_their_reason() {
        let products = catalog(vec![product("off", 1000, 10, ProductStatus::OffSale)]);
        let req = request(
            json!({"items": [{"productId": "off", "quantity": 1}, {"productId": "ghost", "quantity": 1}]}),
        );
        let OrderError::ProductsUnavailable { shortages } = build(&req, &products).unwrap_err() else {
            panic!("expected ProductsUnavailable");
        };
        let reasons: Vec<_> = shortages
            .iter()
            .map(|s| (s.product_id.as_str(), s.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                ("off", ShortageReason::OffSale),
                ("ghost", ShortageReason::NotFound)
            ]
        );
    }

    #[test]
    fn short_stock_names_what_is_left() {
        let products = catalog(vec![product("a", 10, 3, ProductStatus::OnSale)]);
        let req = request(json!({"items": [{"productId": "a", "quantity": 4}]}));
        let OrderError::OutOfStock { shortages } = build(&req, &products).unwrap_err() else {
            panic!("expected OutOfStock");
        };
        assert_eq!(shortages[0].available, Some(3));
        assert_eq!(
            serde_json::to_value(&shortages[0]).unwrap()["reason"],
            "OUT_OF_STOCK"
        );
    }

    #[test]
    fn duplicated_products_and_empty_or_long_orders_are_rejected() {
        let dup =
            request(json!({"items": [{"productId": "a", "quantity": 1}, {"productId": "a", "quantity": 2}]}));
        assert!(matches!(
            dup.validate(),
            Err(OrderError::Invalid { field, .. }) if field == "items[1].productId"
        ));
        assert!(request(json!({"items": []})).validate().is_err());
        let many: Vec<_> = (0..21)
            .map(|i| json!({"productId": format!("p{i}"), "quantity": 1}))
            .collect();
        assert!(request(json!({ "items": many })).validate().is_err());
    }

    #[test]
    fn quantities_must_be_integers_from_1_to_99() {
        for bad in [
            json!(0),
            json!(-1),
            json!(100),
            json!(1.5),
            json!(2.5),
            json!("2"),
            json!(1e20),
            json!(null),
        ] {
            let body = json!({"items": [{"productId": "a", "quantity": bad}]});
            assert!(serde_json::from_value::<OrderRequest>(body).is_err(), "{bad}");
        }
        let spelled_as_float =
            json!({"items": [{"productId": "a", "quantity": 2.0}], "expectedTotalFen": 20.0});
        let request = serde_json::from_value::<OrderRequest>(spelled_as_float).unwrap();
        assert_eq!(
            (request.items[0].quantity.get(), request.expected_total_fen),
            (2, Some(20))
        );
    }

    #[test]
    fn the_same_request_has_the_same_canonical_form_and_another_does_not() {
        let a = request(json!({"items": [{"productId": "a", "quantity": 1}]}));
        let b = request(json!({"items": [{"productId": "a", "quantity": 2}]}));
        assert_eq!(a.canonical_bytes(), a.clone().canonical_bytes());
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
    }

    #[test]
    fn an_order_is_payable_while_pending_and_a_minute_before_its_deadline() {
        let products = catalog(vec![product("a", 10, 5, ProductStatus::OnSale)]);
        let order = build(
            &request(json!({"items": [{"productId": "a", "quantity": 1}]})),
            &products,
        )
        .unwrap();
        let created = order.created_at;
        assert_eq!(order.check_payable(created), Ok(()));
        assert_eq!(
            order.check_payable(created.plus(PAY_WINDOW - PAY_MARGIN)),
            Err(PayRefusal::Expired)
        );
        let cancelled = order.clone().cancelled(created);
        assert_eq!(
            cancelled.check_payable(created),
            Err(PayRefusal::NotPending(OrderStatus::Cancelled))
        );
        assert_eq!(order.description(), "name of a");
    }

    #[test]
    fn the_transition_table_allows_only_the_order_life_and_no_way_back() {
        use OrderStatus::*;
        assert!(PendingPayment.can_become(Paid) && PendingPayment.can_become(Cancelled));
        assert!(Paid.can_become(Refunding) && Refunding.can_become(Refunded));
        assert!(Paid.can_become(Shipped) && Shipped.can_become(Refunding));
        for (from, to) in [
            (Cancelled, Paid),
            (Paid, Cancelled),
            (Refunded, Paid),
            (Paid, PendingPayment),
            (Cancelled, PendingPayment),
            (Shipped, Paid),
            (PendingPayment, Shipped),
            (Refunded, Shipped),
        ] {
            assert!(!from.can_become(to), "{from} -> {to}");
        }
        for status in OrderStatus::ALL {
            assert!(!status.can_become(*status), "{status} -> itself");
        }
    }

    #[test]
    fn only_the_merchant_refunds_a_shipped_order_and_shipping_twice_must_say_the_same() {
        let products = catalog(vec![product("a", 10, 5, ProductStatus::OnSale)]);
        let mut order = build(
            &request(json!({"items": [{"productId": "a", "quantity": 1}]})),
            &products,
        )
        .unwrap();
        let (sf, parcel) = (
            Carrier::parse("SF").unwrap(),
            TrackingNo::parse("SF1234567890").unwrap(),
        );
        assert_eq!(
            order.check_shippable(&sf, &parcel),
            Err(ShipRefusal::NotPaid(OrderStatus::PendingPayment))
        );
        order.status = OrderStatus::Paid;
        assert_eq!(order.check_refundable(false), Ok(()));
        assert_eq!(order.check_shippable(&sf, &parcel), Ok(true));
        order.status = OrderStatus::Shipped;
        order.shipment = Some(Shipment {
            carrier: sf.clone(),
            tracking_no: parcel.clone(),
            shipped_at: order.created_at,
            reported_at: None,
        });
        assert_eq!(order.check_shippable(&sf, &parcel), Ok(false));
        let other = TrackingNo::parse("SF999").unwrap();
        assert!(matches!(
            order.check_shippable(&sf, &other),
            Err(ShipRefusal::ShippedOtherwise { .. })
        ));
        assert_eq!(
            order.check_refundable(false),
            Err(RefundRefusal(OrderStatus::Shipped))
        );
        assert_eq!(order.check_refundable(true), Ok(()));
        assert!(Carrier::parse("S F").is_none() && TrackingNo::parse("").is_none());
    }

    #[test]
    fn idempotency_keys_are_bounded_and_scoped_to_the_caller() {
        assert!(IdempotencyKey::parse("short").is_none());
        assert!(IdempotencyKey::parse("has space in it").is_none());
        assert!(IdempotencyKey::parse(&"k".repeat(65)).is_none());
        let key = IdempotencyKey::parse("order-2026-0001").unwrap();
        let (alice, bob) = (Openid::parse("alice").unwrap(), Openid::parse("bob").unwrap());
        assert_ne!(key.scoped_to(&alice), key.scoped_to(&bob));
    }
}
