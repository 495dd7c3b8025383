//! The catalog domain: products, their ids, and the pagination cursor of listings.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::time::Timestamp;

/// Whether a product can be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductStatus {
    OnSale,
    OffSale,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnSale => "ON_SALE",
            Self::OffSale => "OFF_SALE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ON_SALE" => Some(Self::OnSale),
            "OFF_SALE" => Some(Self::OffSale),
            _ => None,
        }
    }
}

/// A product as stored and as answered. Money is integer fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: String,
    pub price_fen: i64,
    pub stock: i64,
    pub category: Category,
    pub images: Vec<String>,
    pub status: ProductStatus,
    pub sort_order: u32,
    #[serde(default = "Timestamp::now")]
    pub created_at: Timestamp,
    #[serde(default = "Timestamp::now")]
    pub updated_at: Timestamp,
}

impl Product {
    /// Checks a product read from a seed file before it is written.
    pub fn validate(&self) -> Result<(), String> {
        let id = self.id.as_str();
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(format!("{id}: name must be 1-100 characters"));
        }
        if self.description.chars().count() > 1000 {
            return Err(format!("{id}: description must be at most 1000 characters"));
        }
        if !(1..=100_000_000).contains(&self.price_fen) {
            return Err(format!("{id}: priceFen must be 1..=100000000"));
        }
        if !(0..=1_000_000).contains(&self.stock) {
            return Err(format!("{id}: stock must be 0..=1000000"));
        }
        if self.images.len() > 9
            || self
                .images
                .iter()
                .any(|i| !i.starts_with("https://") || i.len() > 512)
        {
            return Err(format!("{id}: images must be at most 9 https:// URLs"));
        }
        Ok(())
    }
}

fn is_slug(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A product id: 1..=64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductId(String);

impl TryFrom<String> for ProductId {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if is_slug(&value, 64) {
            Ok(Self(value))
        } else {
            Err("must be a product id: 1-64 characters of A-Z a-z 0-9 _ -")
        }
    }
}

impl From<ProductId> for String {
    fn from(id: ProductId) -> Self {
        id.0
    }
}

impl ProductId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category name: 1..=32 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

impl TryFrom<String> for Category {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if is_slug(&value, 32) {
            Ok(Self(value))
        } else {
            Err("must be a category: 1-32 characters of A-Z a-z 0-9 _ -")
        }
    }
}

impl From<Category> for String {
    fn from(category: Category) -> Self {
        category.0
    }
}

impl Category {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A page size: 1..=50, 20 when absent. Accepts `"20"` from a query string as well as `20`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "crate::input::Integer")]
pub struct PageSize(u32);

pub const MAX_PAGE_SIZE: u32 = 50;

impl TryFrom<crate::input::Integer> for PageSize {
    type Error = String;

    fn try_from(value: crate::input::Integer) -> Result<Self, Self::Error> {
        match u32::try_from(value.0) {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(Self(n)),
            _ => Err(format!("must be an integer from 1 to {MAX_PAGE_SIZE}")),
        }
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(20)
    }
}

impl PageSize {
    pub fn get(self) -> u32 {
        self.0
    }
}

/// An opaque pagination cursor: the position after the last item of a page, bound to the
/// listing (partition) it came from. A cursor from another listing, or any garbage, is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// A short digest of the listing's partition.
    p: String,
    /// The index sort key of the last item.
    s: String,
    /// The table partition key of the last item.
    k: String,
}

impl Cursor {
    pub fn new(partition: &str, sort_key: String, item_key: String) -> Self {
        Self {
            p: partition_digest(partition),
            s: sort_key,
            k: item_key,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes `text` for the listing `partition`; returns (index sort key, item key).
    pub fn decode(text: &str, partition: &str) -> Result<(String, String), ApiError> {
        if text.len() > 512 {
            return Err(ApiError::InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| ApiError::InvalidCursor)?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| ApiError::InvalidCursor)?;
        if cursor.p != partition_digest(partition) || cursor.s.is_empty() || cursor.k.is_empty() {
            return Err(ApiError::InvalidCursor);
        }
        Ok((cursor.s, cursor.k))
    }
}

fn partition_digest(partition: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, partition.as_bytes());
    hex::encode(&digest.as_ref()[..8])
}

/// A page of a listing.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_in_its_own_listing() {
        let cursor = Cursor::new("CATALOG", "0000000010#tea".into(), "PRODUCT#tea".into()).encode();
        assert_eq!(
            Cursor::decode(&cursor, "CATALOG").unwrap(),
            ("0000000010#tea".to_owned(), "PRODUCT#tea".to_owned())
        );
        assert!(matches!(
            Cursor::decode(&cursor, "CATEGORY#tea"),
            Err(ApiError::InvalidCursor)
        ));
    }

    #[test]
    fn garbage_cursors_are_refused() {
        for garbage in ["", "!!!", "eyJ4IjoxfQ", &"A".repeat(600)] {
            assert!(
                matches!(Cursor::decode(garbage, "CATALOG"), Err(ApiError::InvalidCursor)),
                "{garbage}"
            );
        }
    }

    #[test]
    fn page_size_accepts_query_strings_and_bounds() {
        let parse = |v: serde_json::Value| serde_json::from_value::<PageSize>(v);
        assert_eq!(parse(serde_json::json!("5")).unwrap().get(), 5);
        assert_eq!(parse(serde_json::json!(50)).unwrap().get(), 50);
        assert!(parse(serde_json::json!(0)).is_err());
        assert!(parse(serde_json::json!("51")).is_err());
        assert!(parse(serde_json::json!("x")).is_err());
        assert!(parse(serde_json::json!(2.5)).is_err());
    }

    #[test]
    fn product_ids_are_slugs() {
        assert!(ProductId::try_from("tea-longjing_250g".to_owned()).is_ok());
        assert!(ProductId::try_from("PRODUCT#x".to_owned()).is_err());
        assert!(ProductId::try_from(String::new()).is_err());
    }
}
