//! The catalog: products, their categories and whether they can be bought.

use serde::{Deserialize, Serialize};

use super::ids::ProductId;
use super::time::Timestamp;
use super::{checked_string, closed_set, is_slug};

closed_set! {
    /// Whether a product can be bought.
    pub enum ProductStatus {
        OnSale = "ON_SALE",
        OffSale = "OFF_SALE",
    }
}

closed_set! {
    /// How a product reaches its buyer: goods shipped to an address, or goods with nothing to
    /// ship (gift cards, courses, services: reported to WeChat as virtual, no address asked).
    #[derive(Default)]
    pub enum Fulfilment {
        #[default]
        Physical = "physical",
        Virtual = "virtual",
    }
}

checked_string! {
    /// A category name: 1..=32 characters of `A-Z a-z 0-9 _ -`.
    pub struct Category;
    check = |text| is_slug(text, 32),
    expecting = "must be a category: 1-32 characters of A-Z a-z 0-9 _ -",
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
    /// `physical` (the default: an order of it needs a delivery address) or `virtual`.
    #[serde(default)]
    pub fulfilment: Fulfilment,
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

    pub fn is_on_sale(&self) -> bool {
        self.status == ProductStatus::OnSale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_use_one_spelling_for_serde_and_storage() {
        for status in ProductStatus::ALL {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
            assert_eq!(ProductStatus::parse(status.as_str()), Some(*status));
        }
        let err = serde_json::from_value::<ProductStatus>(serde_json::json!("SOLD")).unwrap_err();
        assert!(err.to_string().contains("ON_SALE, OFF_SALE"), "{err}");
    }

    #[test]
    fn categories_are_slugs() {
        assert!(Category::parse("tea").is_some());
        assert!(Category::parse(&"c".repeat(33)).is_none());
    }
}
