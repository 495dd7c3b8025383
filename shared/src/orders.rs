//! The order domain: what a valid order request is, how it is priced, and what an order holds.
//! Prices always come from the products, never from the client.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::catalog::{Product, ProductId, ProductStatus};
use crate::error::{ApiError, Conflict};
use crate::time::Timestamp;

/// How long a new order waits for payment.
pub const PAY_WINDOW: Duration = Duration::from_secs(30 * 60);
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
pub const MAX_LINES: usize = 20;
pub const MAX_QUANTITY: i64 = 99;
pub const REMARK_MAX_CHARS: usize = 200;

/// A line's quantity: an integer from 1 to 99 (no strings, no floats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(u32);

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

/// A remark: at most 200 characters, no control characters but newlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Remark(String);

impl TryFrom<String> for Remark {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.chars().count() > REMARK_MAX_CHARS {
            return Err(format!("must be at most {REMARK_MAX_CHARS} characters"));
        }
        if value.chars().any(|c| c.is_control() && c != '\n') {
            return Err("must not contain control characters".into());
        }
        Ok(Self(value))
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
    pub expected_total_fen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<Remark>,
}

impl OrderRequest {
    /// Checks the shape rules: 1..=20 lines, each product at most once (duplicates are rejected,
    /// not merged, so a client bug is seen rather than silently summed).
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.items.is_empty() || self.items.len() > MAX_LINES {
            return Err(ApiError::validation(
                "items",
                format!("must hold 1 to {MAX_LINES} lines"),
            ));
        }
        let mut seen = HashSet::new();
        for (i, line) in self.items.iter().enumerate() {
            if !seen.insert(&line.product_id) {
                return Err(ApiError::validation(
                    format!("items[{i}].productId"),
                    format!(
                        "product {} appears twice; send one line per product",
                        line.product_id.as_str()
                    ),
                ));
            }
        }
        if self.expected_total_fen.is_some_and(|t| t < 0) {
            return Err(ApiError::validation("expectedTotalFen", "must not be negative"));
        }
        Ok(())
    }

    /// A digest of the request, to tell a retry from a different request under the same key.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &canonical))
    }
}

/// The `Idempotency-Key` header: 8..=64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const HEADER: &'static str = "idempotency-key";

    pub fn parse(header: Option<&str>) -> Result<Self, ApiError> {
        match header {
            Some(key)
                if (8..=64).contains(&key.len())
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                Ok(Self(key.to_owned()))
            }
            _ => Err(ApiError::InvalidIdempotencyKey),
        }
    }

    /// The key of the record, scoped to the caller so two users never share a key.
    pub fn scoped_digest(&self, openid: &str) -> String {
        let scoped = format!("{openid}\n{}", self.0);
        hex::encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            scoped.as_bytes(),
        ))
    }
}

/// An order's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    PendingPayment,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "PENDING_PAYMENT",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PENDING_PAYMENT" => Some(Self::PendingPayment),
            "CANCELLED" => Some(Self::Cancelled),
            _ => None,
        }
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
    pub order_id: String,
    #[serde(skip)]
    pub openid: String,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub total_fen: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub pay_by: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<Timestamp>,
}

/// Why a product cannot be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortage {
    pub product_id: ProductId,
    /// `OUT_OF_STOCK`, `OFF_SALE` or `NOT_FOUND`.
    pub reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

/// The 409 answered when stock is short, naming every short product.
pub fn out_of_stock(shortages: Vec<Shortage>) -> ApiError {
    let ids: Vec<&str> = shortages.iter().map(|s| s.product_id.as_str()).collect();
    let message = format!("not enough stock for: {}", ids.join(", "));
    ApiError::conflict(
        Conflict::OutOfStock,
        message,
        Some(json!({ "products": shortages })),
    )
}

/// Prices `request` from the current `products` and builds the new order. Unknown or OFF_SALE
/// products are refused (4xx naming them), short stock is refused early (409), and a differing
/// `expectedTotalFen` is refused with the current total (409).
pub fn build_order(
    request: &OrderRequest,
    products: &HashMap<ProductId, Product>,
    openid: &str,
    order_id: String,
    now: Timestamp,
) -> Result<Order, ApiError> {
    let unavailable: Vec<Shortage> = request
        .items
        .iter()
        .filter_map(|line| match products.get(&line.product_id) {
            None => Some(("NOT_FOUND", line)),
            Some(p) if p.status != ProductStatus::OnSale => Some(("OFF_SALE", line)),
            Some(_) => None,
        })
        .map(|(reason, line)| Shortage {
            product_id: line.product_id.clone(),
            reason,
            available: None,
        })
        .collect();
    if !unavailable.is_empty() {
        let ids: Vec<&str> = unavailable.iter().map(|s| s.product_id.as_str()).collect();
        return Err(ApiError::ProductsUnavailable {
            message: format!("these products cannot be ordered: {}", ids.join(", ")),
            details: json!({ "products": unavailable }),
        });
    }

    let mut lines = Vec::with_capacity(request.items.len());
    let mut shortages = Vec::new();
    let mut total_fen: i64 = 0;
    for line in &request.items {
        let product = &products[&line.product_id];
        let quantity = line.quantity.get();
        if product.stock < quantity {
            shortages.push(Shortage {
                product_id: line.product_id.clone(),
                reason: "OUT_OF_STOCK",
                available: Some(product.stock.max(0)),
            });
        }
        let subtotal_fen = product
            .price_fen
            .checked_mul(quantity)
            .ok_or_else(|| ApiError::internal("pricing the order", "subtotal overflow"))?;
        total_fen = total_fen
            .checked_add(subtotal_fen)
            .ok_or_else(|| ApiError::internal("pricing the order", "total overflow"))?;
        lines.push(OrderLine {
            product_id: line.product_id.clone(),
            name: product.name.clone(),
            price_fen: product.price_fen,
            quantity,
            subtotal_fen,
        });
    }
    if let Some(expected) = request.expected_total_fen
        && expected != total_fen
    {
        return Err(ApiError::conflict(
            Conflict::PriceChanged,
            format!("the total is now {total_fen} fen, not {expected}"),
            Some(json!({ "totalFen": total_fen })),
        ));
    }
    if !shortages.is_empty() {
        return Err(out_of_stock(shortages));
    }
    Ok(Order {
        order_id,
        openid: openid.to_owned(),
        status: OrderStatus::PendingPayment,
        items: lines,
        total_fen,
        remark: request.remark.clone().map(String::from),
        created_at: now,
        updated_at: now,
        pay_by: now.plus(PAY_WINDOW),
        cancelled_at: None,
    })
}

/// A new order id: the UTC time to the second, then 8 random digits (`2026112405133112345678`).
pub fn new_order_id(now: Timestamp) -> String {
    let mut bytes = [0u8; 8];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random generator is available");
    let random = u64::from_le_bytes(bytes) % 100_000_000;
    format!("{}{random:08}", now.inner().format("%Y%m%d%H%M%S"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Category;

    fn product(id: &str, price_fen: i64, stock: i64, status: ProductStatus) -> Product {
        Product {
            id: ProductId::try_from(id.to_owned()).unwrap(),
            name: format!("name of {id}"),
            description: String::new(),
            price_fen,
            stock,
            category: Category::try_from("tea".to_owned()).unwrap(),
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

    #[test]
    fn prices_come_from_the_products_and_lines_keep_a_snapshot() {
        let products = catalog(vec![
            product("a", 1250, 10, ProductStatus::OnSale),
            product("b", 99, 5, ProductStatus::OnSale),
        ]);
        let req =
            request(json!({"items": [{"productId": "a", "quantity": 2}, {"productId": "b", "quantity": 3}]}));
        let order = build_order(&req, &products, "o1", "id1".into(), Timestamp::now()).unwrap();
        assert_eq!(order.total_fen, 2 * 1250 + 3 * 99);
        assert_eq!(order.items[0].name, "name of a");
        assert_eq!(order.items[1].subtotal_fen, 297);
        assert_eq!(order.status, OrderStatus::PendingPayment);
        assert_eq!(order.pay_by.epoch_secs() - order.created_at.epoch_secs(), 1800);
    }

    #[test]
    fn a_wrong_expected_total_is_a_conflict_with_the_current_total() {
        let products = catalog(vec![product("a", 1000, 10, ProductStatus::OnSale)]);
        let req = request(json!({"items": [{"productId": "a", "quantity": 1}], "expectedTotalFen": 900}));
        let err = build_order(&req, &products, "o1", "id".into(), Timestamp::now()).unwrap_err();
        assert_eq!(err.code(), 40902);
        assert_eq!(err.details().unwrap()["totalFen"], 1000);
    }

    #[test]
    fn unknown_and_off_sale_products_are_named() {
        let products = catalog(vec![product("off", 1000, 10, ProductStatus::OffSale)]);
        let req = request(
            json!({"items": [{"productId": "off", "quantity": 1}, {"productId": "ghost", "quantity": 1}]}),
        );
        let err = build_order(&req, &products, "o1", "id".into(), Timestamp::now()).unwrap_err();
        assert_eq!(err.code(), 40005);
        let message = err.to_string();
        assert!(message.contains("off") && message.contains("ghost"), "{message}");
    }

    #[test]
    fn duplicated_products_and_empty_or_long_orders_are_rejected() {
        let dup =
            request(json!({"items": [{"productId": "a", "quantity": 1}, {"productId": "a", "quantity": 2}]}));
        assert_eq!(dup.validate().unwrap_err().field(), Some("items[1].productId"));
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
            json!("2"),
            json!(1e20),
            json!(null),
        ] {
            let body = json!({"items": [{"productId": "a", "quantity": bad}]});
            assert!(serde_json::from_value::<OrderRequest>(body).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_same_request_has_the_same_fingerprint_and_another_does_not() {
        let a = request(json!({"items": [{"productId": "a", "quantity": 1}]}));
        let b = request(json!({"items": [{"productId": "a", "quantity": 2}]}));
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn idempotency_keys_are_bounded_and_scoped_to_the_caller() {
        assert!(IdempotencyKey::parse(None).is_err());
        assert!(IdempotencyKey::parse(Some("short")).is_err());
        assert!(IdempotencyKey::parse(Some("has space in it")).is_err());
        let key = IdempotencyKey::parse(Some("order-2026-0001")).unwrap();
        assert_ne!(key.scoped_digest("alice"), key.scoped_digest("bob"));
    }

    #[test]
    fn order_ids_are_time_ordered_digits() {
        let id = new_order_id(Timestamp::from_epoch_secs(1_700_000_000).unwrap());
        assert!(id.starts_with("20231114221320"));
        assert_eq!(id.len(), 22);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
    }
}
