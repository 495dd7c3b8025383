//! What a buyer asks for: the order request (lines, quantities, remark), checked and priced
//! against the products into an order, within the hoarding caps; and why it can be refused.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::order::{Order, OrderLine};
use super::status::OrderStatus;
use super::{MAX_LINES, MAX_QUANTITY, PAY_WINDOW, REMARK_MAX_CHARS};
use crate::domain::address::{Address, AddressInput};
use crate::domain::catalog::{Fulfilment, Product, SkuChoice, SkuId, SkuRef};
use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::number::Whole;
use crate::domain::time::Timestamp;
use crate::domain::{closed_set, is_slug};

/// The `Idempotency-Key` header: 8..=64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const HEADER: &'static str = "idempotency-key";

    pub fn parse(header: &str) -> Option<Self> {
        is_slug(header, 64)
            .then_some(header)
            .filter(|key| key.len() >= 8)
            .map(|key| Self(key.to_owned()))
    }

    /// The key scoped to its caller, so two users never share a key; the store keeps a digest of it.
    pub fn scoped_to(&self, openid: &Openid) -> String {
        format!("{openid}\n{}", self.0)
    }
}

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
    /// The caller holds too many unpaid orders, or too many unpaid units of a SKU.
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
    let ids: Vec<String> = holdings.units.iter().map(|(sku, _)| sku.to_string()).collect();
    format!(
        "unpaid orders may hold at most {} units of one product's SKU: {}",
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
    /// Units held of the SKUs that hit the limit (without the units asked for now).
    pub units: Vec<(SkuRef, i64)>,
}

impl HoldingLimits {
    /// The lines of `request` that alone ask for more than a user may hold.
    pub fn check_lines(&self, request: &OrderRequest) -> Result<(), OrderError> {
        let over: Vec<(SkuRef, i64)> = request
            .items
            .iter()
            .filter(|line| line.quantity.get() > self.max_units_per_product)
            .map(|line| (line.sku_ref(), 0))
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
    let ids: Vec<String> = shortages
        .iter()
        .map(|s| {
            SkuRef {
                product_id: s.product_id.clone(),
                sku_id: s.sku_id.clone(),
            }
            .to_string()
        })
        .collect();
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
        crate::domain::text::check_shown_text(&value, true)?;
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
    /// The SKU; absent means the product's only one (refused for a product with several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<SkuId>,
    pub quantity: Quantity,
}

impl LineRequest {
    /// The SKU it asks for (the default one when it names none).
    pub fn sku_ref(&self) -> SkuRef {
        SkuRef {
            product_id: self.product_id.clone(),
            sku_id: self.sku_id.clone().unwrap_or_else(SkuId::default_sku),
        }
    }
}

/// `submitOrder`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderRequest {
    pub items: Vec<LineRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::domain::number::optional")]
    pub expected_total_fen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<Remark>,
    /// Where to deliver (`wx.chooseAddress`'s answer): required when a line is a physical good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressInput>,
}

impl OrderRequest {
    /// Checks the shape rules: 1..=20 lines, each SKU at most once (duplicates are rejected,
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
            if !seen.insert(line.sku_ref()) {
                let (field, what) = match &line.sku_id {
                    Some(sku) => ("skuId", format!("SKU {sku} of product {}", line.product_id)),
                    None => ("productId", format!("product {}", line.product_id)),
                };
                return Err(OrderError::invalid(
                    format!("items[{i}].{field}"),
                    format!("{what} appears twice; send one line per SKU"),
                ));
            }
        }
        if self.expected_total_fen.is_some_and(|t| t < 0) {
            return Err(OrderError::invalid("expectedTotalFen", "must not be negative"));
        }
        self.delivery_address()?;
        Ok(())
    }

    /// The request in one canonical form: its digest tells a retry from a different request
    /// under the same idempotency key.
    /// The checked address, when one was given.
    pub fn delivery_address(&self) -> Result<Option<Address>, OrderError> {
        self.address
            .as_ref()
            .map(Address::parse)
            .transpose()
            .map_err(|err| OrderError::invalid(err.field, err.reason))
    }

    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The products it names, each once.
    pub fn product_ids(&self) -> Vec<&ProductId> {
        let mut ids: Vec<&ProductId> = self.items.iter().map(|line| &line.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
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

/// A product's SKU that cannot be ordered, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortage {
    pub product_id: ProductId,
    pub sku_id: SkuId,
    pub reason: ShortageReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

impl Shortage {
    /// Why `product` (as it is now, or `None` when it is gone) cannot supply `quantity` of the
    /// SKU `wanted`, if it cannot. A SKU the product no longer has is NOT_FOUND.
    pub fn of(wanted: &SkuRef, product: Option<&Product>, quantity: i64) -> Option<Self> {
        let sku = product.and_then(|p| p.sku(Some(&wanted.sku_id)).ok());
        let (reason, available) = match (product, sku) {
            (None, _) | (_, None) => (ShortageReason::NotFound, None),
            (Some(p), _) if !p.is_on_sale() => (ShortageReason::OffSale, None),
            (_, Some(sku)) if sku.stock < quantity => (ShortageReason::OutOfStock, Some(sku.stock.max(0))),
            _ => return None,
        };
        Some(Self {
            product_id: wanted.product_id.clone(),
            sku_id: wanted.sku_id.clone(),
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
    // A line naming no SKU of a product with several is the client's mistake, whatever the stock.
    for (i, line) in request.items.iter().enumerate() {
        if line.sku_id.is_none()
            && let Some(product) = products.get(&line.product_id)
            && product.sku(None) == Err(SkuChoice::Ambiguous)
        {
            return Err(OrderError::invalid(
                format!("items[{i}].skuId"),
                format!(
                    "is required: product {} has several SKUs; pick one of its skus",
                    line.product_id
                ),
            ));
        }
    }
    let mut priced = Vec::with_capacity(request.items.len());
    let mut unavailable = Vec::new();
    for line in &request.items {
        let wanted = line.sku_ref();
        let product = products.get(&line.product_id);
        let sellable = product
            .filter(|p| p.is_on_sale())
            .and_then(|p| Some((p, p.sku(Some(&wanted.sku_id)).ok()?)));
        match sellable {
            Some((product, sku)) => priced.push((line, wanted, product, sku)),
            None => unavailable.extend(Shortage::of(&wanted, product, 0)),
        }
    }
    if !unavailable.is_empty() {
        return Err(OrderError::ProductsUnavailable {
            shortages: unavailable,
        });
    }

    let mut lines = Vec::with_capacity(request.items.len());
    let mut shortages = Vec::new();
    let mut total_fen: i64 = 0;
    for (line, wanted, product, sku) in priced {
        let quantity = line.quantity.get();
        shortages.extend(Shortage::of(&wanted, Some(product), quantity));
        let subtotal_fen = sku
            .price_fen
            .checked_mul(quantity)
            .ok_or(OrderError::TotalOverflow)?;
        total_fen = total_fen
            .checked_add(subtotal_fen)
            .ok_or(OrderError::TotalOverflow)?;
        lines.push(OrderLine {
            product_id: line.product_id.clone(),
            sku_id: wanted.sku_id,
            spec_values: sku.spec_values.clone(),
            name: product.name.clone(),
            price_fen: sku.price_fen,
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
    // Only goods to ship need an address; an order of virtual goods keeps none it does not need.
    let ships = request
        .items
        .iter()
        .any(|line| products[&line.product_id].fulfilment == Fulfilment::Physical);
    let address = if ships {
        Some(request.delivery_address()?.ok_or_else(|| {
            OrderError::invalid(
                "address",
                "is required: the order has goods to deliver (send wx.chooseAddress's answer)",
            )
        })?)
    } else {
        None
    };
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
        completed_at: None,
        payment: None,
        prepay: None,
        refund_issue: None,
        deliveries: Default::default(),
        refunds: Default::default(),
        address,
    })
}
