//! The catalog: products, their categories and whether they can be bought.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::ids::ProductId;
use super::text::check_shown_text;
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

/// The id of a product's only SKU when it has no variants (and of every product stored before
/// variants existed).
pub const DEFAULT_SKU: &str = "default";
/// At most this many specs (规格, 包装, 颜色) per product.
pub const MAX_SPECS: usize = 3;
/// At most this many values per spec, and SKUs per product.
pub const MAX_SPEC_VALUES: usize = 20;
pub const MAX_SKUS: usize = 100;
const SPEC_TEXT_MAX_CHARS: usize = 20;

checked_string! {
    /// A SKU id: 1..=64 characters of `A-Z a-z 0-9 _ -`, unique within its product.
    pub struct SkuId;
    check = |text| is_slug(text, 64),
    expecting = "must be a SKU id: 1-64 characters of A-Z a-z 0-9 _ -",
}

impl SkuId {
    /// The SKU of a product without variants.
    pub fn default_sku() -> Self {
        Self(DEFAULT_SKU.to_owned())
    }

    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT_SKU
    }
}

/// One axis of a product's variants: `{"name": "规格", "values": ["250g", "500g"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    pub values: Vec<String>,
}

/// One value of each of a product's specs, in the order of its specs: `{"规格": "250g", "包装":
/// "礼盒"}`, answered in that order (a buyer reads `250g / 礼盒`, never `礼盒 / 250g`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SpecValues(Vec<(String, String)>);

impl SpecValues {
    /// The value of spec `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(spec, _)| spec == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(spec, value)` in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The values in the order of `specs` (names it does not list last, by name).
    pub fn in_order_of(mut self, specs: &[Spec]) -> Self {
        self.0.sort_by_cached_key(|(name, _)| {
            let position = specs.iter().position(|spec| spec.name == *name);
            (position.unwrap_or(usize::MAX), name.clone())
        });
        self
    }
}

impl FromIterator<(String, String)> for SpecValues {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self(pairs.into_iter().collect())
    }
}

impl Serialize for SpecValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SpecValues {
    /// A JSON object, in its own order; a spec named twice is refused.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = SpecValues;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of spec names to values")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<SpecValues, A::Error> {
                let mut pairs: Vec<(String, String)> = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    if pairs.iter().any(|(known, _)| *known == name) {
                        return Err(serde::de::Error::custom(format!("spec {name:?} appears twice")));
                    }
                    pairs.push((name, value));
                }
                Ok(SpecValues(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// One sellable variant of a product, with its own price and stock. `specValues` names one value
/// of each of the product's specs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sku {
    pub sku_id: SkuId,
    #[serde(default)]
    pub spec_values: SpecValues,
    pub price_fen: i64,
    pub stock: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// A product as stored and as read from a seed file. Money is integer fen. Every product has at
/// least one SKU: one without variants has exactly one, [`DEFAULT_SKU`], priced and stocked by
/// `priceFen` and `stock` (the shape of every product before variants). Built through
/// [`Product::normalized`], `priceFen` is the lowest SKU price and `stock` the sum of the SKUs'.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: String,
    /// The lowest price of its SKUs (given alone for a product without variants).
    #[serde(default)]
    pub price_fen: i64,
    /// The stock of all its SKUs (given alone for a product without variants).
    #[serde(default)]
    pub stock: i64,
    pub category: Category,
    pub images: Vec<String>,
    pub status: ProductStatus,
    /// `physical` (the default: an order of it needs a delivery address) or `virtual`.
    #[serde(default)]
    pub fulfilment: Fulfilment,
    pub sort_order: u32,
    /// Its variants' axes; empty without variants.
    #[serde(default)]
    pub specs: Vec<Spec>,
    /// Its SKUs, in the order of their specs' values.
    #[serde(default)]
    pub skus: Vec<Sku>,
    #[serde(default = "Timestamp::now")]
    pub created_at: Timestamp,
    #[serde(default = "Timestamp::now")]
    pub updated_at: Timestamp,
}

/// One SKU of one product: what an order line, a stock count and a hold are about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuRef {
    pub product_id: ProductId,
    pub sku_id: SkuId,
}

impl std::fmt::Display for SkuRef {
    /// `product` for a product's default SKU, `product/sku` otherwise.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sku_id.is_default() {
            write!(f, "{}", self.product_id)
        } else {
            write!(f, "{}/{}", self.product_id, self.sku_id)
        }
    }
}

/// Why a product cannot supply an order line's SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkuChoice {
    /// The line named no SKU and the product has several.
    Ambiguous,
    /// The product has no SKU of that id (any more).
    Unknown,
}

impl Product {
    /// The product checked and in its one canonical shape: a product without `skus` gets its
    /// single default SKU from `priceFen` and `stock`; one with `skus` gets `priceFen` and
    /// `stock` from them; SKUs sorted in the order of their specs' values.
    pub fn normalized(mut self) -> Result<Self, String> {
        let id = self.id.as_str().to_owned();
        let fail = |reason: String| format!("{id}: {reason}");
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(fail("name must be 1-100 characters".into()));
        }
        if self.description.chars().count() > 1000 {
            return Err(fail("description must be at most 1000 characters".into()));
        }
        if self.images.len() > 9 || !self.images.iter().all(|i| is_image_url(i)) {
            return Err(fail(
                "images must be at most 9 https:// URLs (图片须为 https 地址，最多 9 张)".into(),
            ));
        }
        check_specs(&self.specs).map_err(&fail)?;
        if self.skus.is_empty() {
            if !self.specs.is_empty() {
                return Err(fail("a product with specs lists its skus".into()));
            }
            self.skus.push(Sku {
                sku_id: SkuId::default_sku(),
                spec_values: SpecValues::default(),
                price_fen: self.price_fen,
                stock: self.stock,
                image: None,
            });
        }
        let specs = self.specs.clone();
        for sku in &mut self.skus {
            sku.spec_values = std::mem::take(&mut sku.spec_values).in_order_of(&specs);
        }
        check_skus(&self.specs, &self.skus).map_err(&fail)?;
        self.sort_skus();
        self.price_fen = self.min_price_fen();
        self.stock = self.skus.iter().map(|sku| sku.stock).sum();
        Ok(self)
    }

    pub fn is_on_sale(&self) -> bool {
        self.status == ProductStatus::OnSale
    }

    /// Puts the SKUs in the order of their specs' values (the picker's order), then of their ids.
    pub fn sort_skus(&mut self) {
        let specs = &self.specs;
        for sku in &mut self.skus {
            sku.spec_values = std::mem::take(&mut sku.spec_values).in_order_of(specs);
        }
        let position = |sku: &Sku| -> Vec<usize> {
            specs
                .iter()
                .map(|spec| {
                    let value = sku.spec_values.get(&spec.name);
                    spec.values
                        .iter()
                        .position(|v| Some(v.as_str()) == value)
                        .unwrap_or(usize::MAX)
                })
                .collect()
        };
        self.skus
            .sort_by_cached_key(|sku| (position(sku), sku.sku_id.clone()));
    }

    /// Whether it is the plain shape of a product without variants: its one SKU is the default
    /// one (stored as products were before variants).
    pub fn is_plain(&self) -> bool {
        matches!(self.skus.as_slice(), [sku] if sku.sku_id.is_default())
    }

    /// The SKU an order line names; a line naming none means the only SKU.
    pub fn sku(&self, sku_id: Option<&SkuId>) -> Result<&Sku, SkuChoice> {
        match sku_id {
            Some(id) => self
                .skus
                .iter()
                .find(|sku| &sku.sku_id == id)
                .ok_or(SkuChoice::Unknown),
            None => match self.skus.as_slice() {
                [only] => Ok(only),
                _ => Err(SkuChoice::Ambiguous),
            },
        }
    }

    pub fn min_price_fen(&self) -> i64 {
        self.skus
            .iter()
            .map(|sku| sku.price_fen)
            .min()
            .unwrap_or(self.price_fen)
    }

    pub fn max_price_fen(&self) -> i64 {
        self.skus
            .iter()
            .map(|sku| sku.price_fen)
            .max()
            .unwrap_or(self.price_fen)
    }

    /// Whether any SKU can be bought now.
    pub fn in_stock(&self) -> bool {
        self.skus.iter().any(|sku| sku.stock > 0)
    }

    /// How a list shows it: the price range and whether any SKU is in stock, without the SKUs.
    pub fn summary(self) -> ProductSummary {
        ProductSummary {
            min_price_fen: self.min_price_fen(),
            max_price_fen: self.max_price_fen(),
            in_stock: self.in_stock(),
            has_variants: !self.specs.is_empty(),
            id: self.id,
            name: self.name,
            description: self.description,
            price_fen: self.price_fen,
            stock: self.stock,
            category: self.category,
            images: self.images,
            status: self.status,
            fulfilment: self.fulfilment,
            sort_order: self.sort_order,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl Serialize for Product {
    /// A product as `getProduct` answers it: every SKU, and the price range.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Answered<'a> {
            #[serde(flatten)]
            summary: ProductSummary,
            specs: &'a [Spec],
            skus: &'a [Sku],
        }
        Answered {
            summary: self.clone().summary(),
            specs: &self.specs,
            skus: &self.skus,
        }
        .serialize(serializer)
    }
}

/// A product as a list shows it: its lowest and highest SKU prices and whether any is in stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSummary {
    pub id: ProductId,
    pub name: String,
    pub description: String,
    /// The lowest SKU price (the price of a product without variants).
    pub price_fen: i64,
    pub min_price_fen: i64,
    pub max_price_fen: i64,
    /// The stock of all its SKUs.
    pub stock: i64,
    pub in_stock: bool,
    /// Whether a buyer picks a variant (the product page shows the picker).
    pub has_variants: bool,
    pub category: Category,
    pub images: Vec<String>,
    pub status: ProductStatus,
    pub fulfilment: Fulfilment,
    pub sort_order: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether `url` may be a product image: https, or http on a loopback host (the local emulator
/// serves the bucket on plain http), at most 512 bytes.
pub fn is_image_url(url: &str) -> bool {
    let loopback = [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
    ];
    (url.starts_with("https://") || loopback.iter().any(|prefix| url.starts_with(prefix))) && url.len() <= 512
}

/// A spec's name or value: 1..=20 characters shown to buyers, on one line.
fn check_spec_text(what: &str, text: &str) -> Result<(), String> {
    let count = text.chars().count();
    if text.trim() != text || count == 0 || count > SPEC_TEXT_MAX_CHARS {
        return Err(format!(
            "{what} must be 1-{SPEC_TEXT_MAX_CHARS} characters without surrounding spaces"
        ));
    }
    check_shown_text(text, false).map_err(|reason| format!("{what} {reason}"))
}

fn check_specs(specs: &[Spec]) -> Result<(), String> {
    if specs.len() > MAX_SPECS {
        return Err(format!("at most {MAX_SPECS} specs"));
    }
    let mut names = HashSet::new();
    for spec in specs {
        check_spec_text("a spec name", &spec.name)?;
        if !names.insert(spec.name.as_str()) {
            return Err(format!("spec {:?} appears twice", spec.name));
        }
        if spec.values.is_empty() || spec.values.len() > MAX_SPEC_VALUES {
            return Err(format!(
                "spec {:?} must have 1-{MAX_SPEC_VALUES} values",
                spec.name
            ));
        }
        let mut values = HashSet::new();
        for value in &spec.values {
            check_spec_text("a spec value", value)?;
            if !values.insert(value.as_str()) {
                return Err(format!("spec {:?} lists {value:?} twice", spec.name));
            }
        }
    }
    Ok(())
}

fn check_skus(specs: &[Spec], skus: &[Sku]) -> Result<(), String> {
    if skus.len() > MAX_SKUS || (specs.is_empty() && skus.len() != 1) {
        return Err(format!(
            "a product without specs has exactly one SKU; with specs, 1-{MAX_SKUS}"
        ));
    }
    let mut ids = HashSet::new();
    let mut combinations = HashSet::new();
    for sku in skus {
        let id = sku.sku_id.as_str();
        if !ids.insert(id) {
            return Err(format!("SKU {id} appears twice"));
        }
        if !(1..=100_000_000).contains(&sku.price_fen) {
            return Err(format!("SKU {id}: priceFen must be 1..=100000000"));
        }
        if !(0..=1_000_000).contains(&sku.stock) {
            return Err(format!("SKU {id}: stock must be 0..=1000000"));
        }
        if sku.image.as_deref().is_some_and(|i| !is_image_url(i)) {
            return Err(format!("SKU {id}: image must be an https:// URL"));
        }
        if sku.sku_id.is_default() && (!specs.is_empty() || sku.image.is_some()) {
            return Err(format!(
                "the SKU id {DEFAULT_SKU} is the only SKU of a product without specs, without an image of its own"
            ));
        }
        let names_match = sku.spec_values.len() == specs.len()
            && specs.iter().all(|spec| {
                sku.spec_values
                    .get(&spec.name)
                    .is_some_and(|value| spec.values.iter().any(|v| v == value))
            });
        if !names_match {
            return Err(format!(
                "SKU {id}: specValues must give one listed value of each spec"
            ));
        }
        if !combinations.insert(&sku.spec_values) {
            return Err(format!("SKU {id}: another SKU has the same specValues"));
        }
    }
    Ok(())
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

    fn parsed(json: serde_json::Value) -> Result<Product, String> {
        serde_json::from_value::<Product>(json)
            .map_err(|e| e.to_string())?
            .normalized()
    }

    fn tea(extra: serde_json::Value) -> serde_json::Value {
        let mut product = serde_json::json!({
            "id": "tea", "name": "龙井", "description": "", "category": "tea", "images": [],
            "status": "ON_SALE", "sortOrder": 1
        });
        for (key, value) in extra.as_object().unwrap() {
            product[key] = value.clone();
        }
        product
    }

    #[test]
    fn a_product_in_the_shape_before_variants_has_one_default_sku() {
        let product = parsed(tea(serde_json::json!({"priceFen": 1250, "stock": 7}))).unwrap();
        assert!(product.is_plain());
        assert_eq!(product.skus.len(), 1);
        assert_eq!((product.skus[0].price_fen, product.skus[0].stock), (1250, 7));
        assert_eq!(product.sku(None).unwrap().sku_id.as_str(), DEFAULT_SKU);
        assert!(
            parsed(tea(serde_json::json!({"stock": 7}))).is_err(),
            "a price is needed"
        );
    }

    #[test]
    fn a_product_with_variants_is_priced_and_stocked_by_its_skus_in_the_specs_order() {
        let specs = serde_json::json!([{"name": "规格", "values": ["250g", "500g"]}]);
        let product = parsed(tea(serde_json::json!({"specs": specs, "skus": [
            {"skuId": "big", "specValues": {"规格": "500g"}, "priceFen": 900, "stock": 0},
            {"skuId": "small", "specValues": {"规格": "250g"}, "priceFen": 500, "stock": 3}
        ]})))
        .unwrap();
        assert_eq!(product.skus[0].sku_id.as_str(), "small");
        assert_eq!((product.price_fen, product.stock), (500, 3));
        assert_eq!((product.min_price_fen(), product.max_price_fen()), (500, 900));
        assert!(product.in_stock() && !product.is_plain());
        assert_eq!(product.sku(None), Err(SkuChoice::Ambiguous));
        assert_eq!(
            product.sku(Some(&SkuId::parse("gone").unwrap())),
            Err(SkuChoice::Unknown)
        );
    }

    #[test]
    fn spec_values_keep_the_order_of_the_specs_whatever_order_they_came_in() {
        let specs =
            serde_json::json!([{"name": "规格", "values": ["250g"]}, {"name": "包装", "values": ["礼盒"]}]);
        let product = parsed(tea(serde_json::json!({"specs": specs, "skus": [
            {"skuId": "gift", "specValues": {"包装": "礼盒", "规格": "250g"}, "priceFen": 500, "stock": 1}
        ]})))
        .unwrap();
        let values = &product.skus[0].spec_values;
        assert_eq!(
            serde_json::to_string(values).unwrap(),
            r#"{"规格":"250g","包装":"礼盒"}"#
        );
        assert_eq!(values.get("包装"), Some("礼盒"));
        let twice = serde_json::from_str::<SpecValues>(r#"{"规格": "a", "规格": "b"}"#);
        assert!(twice.is_err());
    }

    #[test]
    fn skus_that_do_not_match_their_specs_are_refused() {
        let specs = serde_json::json!([{"name": "规格", "values": ["250g", "500g"]}]);
        let sku = |id: &str, values: serde_json::Value| serde_json::json!({"skuId": id, "specValues": values, "priceFen": 500, "stock": 1});
        let cases = [
            (
                "unknown value",
                vec![sku("a", serde_json::json!({"规格": "1kg"}))],
            ),
            ("missing spec", vec![sku("a", serde_json::json!({}))]),
            (
                "extra spec",
                vec![sku("a", serde_json::json!({"规格": "250g", "颜色": "红"}))],
            ),
            (
                "same values twice",
                vec![
                    sku("a", serde_json::json!({"规格": "250g"})),
                    sku("b", serde_json::json!({"规格": "250g"})),
                ],
            ),
            (
                "same id twice",
                vec![
                    sku("a", serde_json::json!({"规格": "250g"})),
                    sku("a", serde_json::json!({"规格": "500g"})),
                ],
            ),
            (
                "the default id",
                vec![sku(DEFAULT_SKU, serde_json::json!({"规格": "250g"}))],
            ),
        ];
        for (case, skus) in cases {
            let result = parsed(tea(serde_json::json!({"specs": specs, "skus": skus})));
            assert!(result.is_err(), "{case}: {result:?}");
        }
        let bad_specs = [
            serde_json::json!([{"name": "规格", "values": []}]),
            serde_json::json!([{"name": "规格", "values": ["a", "a"]}]),
            serde_json::json!([{"name": " 规格", "values": ["a"]}]),
            serde_json::json!([{"name": "规\u{202e}格", "values": ["a"]}]),
            serde_json::json!([{"name": "a", "values": ["x"]}, {"name": "b", "values": ["x"]},
                               {"name": "c", "values": ["x"]}, {"name": "d", "values": ["x"]}]),
        ];
        for specs in bad_specs {
            let skus = serde_json::json!([{"skuId": "a", "specValues": {}, "priceFen": 1, "stock": 1}]);
            let result = parsed(tea(serde_json::json!({"specs": specs, "skus": skus})));
            assert!(
                result.as_ref().is_err_and(|e| e.contains("spec")),
                "{specs}: {result:?}"
            );
        }
    }

    #[test]
    fn categories_are_slugs() {
        assert!(Category::parse("tea").is_some());
        assert!(Category::parse(&"c".repeat(33)).is_none());
    }
}
