//! Products in the table: listing through the sparse catalog indexes, reads, and the seeder's writes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{Attributes, Item, corrupt, n, s};
use super::keys::{self, attr, field::product as field, index, item_type};
use super::pages::{Cursors, Listing};
use super::{Read, Store};
use crate::domain::catalog::{Category, Fulfilment, Product, ProductStatus, Sku, SkuId, Spec};
use crate::domain::ids::ProductId;
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

impl Store {
    /// One page of ON_SALE products in display order, optionally of one category: a single Query.
    #[tracing::instrument(skip_all)]
    pub async fn list_products(
        &self,
        category: Option<&Category>,
        limit: PageSize,
        cursor: Option<&Cursor>,
        cursors: &Cursors,
    ) -> Result<Page<Product>, StorageError> {
        let (index, partition) = match category {
            Some(c) => (index::GSI2, keys::category(c.as_str())),
            None => (index::GSI1, keys::CATALOG.to_owned()),
        };
        let listing = Listing {
            index,
            partition,
            kind: keys::product(""),
            newest_first: false,
        };
        self.query_page(&listing, limit, cursor, cursors, product_from, "listing products")
            .await
    }

    /// One product, whatever its status.
    #[tracing::instrument(skip_all)]
    pub async fn get_product(&self, id: &ProductId) -> Result<Option<Product>, StorageError> {
        let item = self
            .get(&keys::product(id.as_str()), Read::Eventual, "loading the product")
            .await?;
        item.as_ref().map(product_from).transpose()
    }

    /// One product, read consistently (before a conditional write of it).
    pub async fn get_product_consistently(&self, id: &ProductId) -> Result<Option<Product>, StorageError> {
        let item = self
            .get(
                &keys::product(id.as_str()),
                Read::Consistent,
                "loading the product",
            )
            .await?;
        item.as_ref().map(product_from).transpose()
    }

    /// The ids among `ids` that already exist (for the seeder).
    pub async fn existing_products(&self, ids: &[ProductId]) -> Result<Vec<ProductId>, StorageError> {
        let keys: Vec<keys::Key> = ids.iter().map(|id| keys::product(id.as_str())).collect();
        self.batch_get(&keys, Some(field::ID), "reading the existing products")
            .await?
            .iter()
            .map(|item| Item(item).parsed(field::ID, ProductId::parse))
            .collect()
    }

    /// Writes `products`, 25 at a time, retrying unprocessed items with backoff. Existing items
    /// with the same id are replaced.
    pub async fn put_products(&self, products: &[Product]) -> Result<usize, StorageError> {
        self.batch_put(
            products.iter().map(product_item).collect(),
            "writing the products",
        )
        .await?;
        Ok(products.len())
    }
}

/// The item of a product; ON_SALE products also carry the catalog index keys.
pub(super) fn product_item(product: &Product) -> Attributes {
    let key = keys::product(product.id.as_str());
    let mut item = HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(item_type::PRODUCT)),
        (field::ID.to_owned(), s(product.id.as_str())),
        (field::NAME.to_owned(), s(&product.name)),
        (field::DESCRIPTION.to_owned(), s(&product.description)),
        (field::PRICE_FEN.to_owned(), n(product.price_fen)),
        (field::STOCK.to_owned(), n(product.stock)),
        (field::CATEGORY.to_owned(), s(product.category.as_str())),
        (
            field::IMAGES.to_owned(),
            AttributeValue::L(product.images.iter().map(s).collect()),
        ),
        (field::STATUS.to_owned(), s(product.status.as_str())),
        (field::SORT_ORDER.to_owned(), n(product.sort_order)),
        (field::CREATED_AT.to_owned(), s(product.created_at.to_string())),
        (field::UPDATED_AT.to_owned(), s(product.updated_at.to_string())),
    ]);
    if product.fulfilment != Fulfilment::Physical {
        item.insert(field::FULFILMENT.to_owned(), s(product.fulfilment.as_str()));
    }
    if !product.is_plain() {
        item.insert(field::SPECS.to_owned(), specs_attribute(&product.specs));
        item.insert(field::SKUS.to_owned(), skus_attribute(&product.skus));
    }
    // The back office lists every product, whatever its status.
    item.insert(attr::GSI3PK.to_owned(), s(keys::PRODUCTS));
    item.insert(attr::GSI3SK.to_owned(), s(product.id.as_str()));
    if product.is_on_sale() {
        let position = keys::catalog_position(product.sort_order, product.id.as_str());
        item.insert(attr::GSI1PK.to_owned(), s(keys::CATALOG));
        item.insert(attr::GSI1SK.to_owned(), s(&position));
        item.insert(
            attr::GSI2PK.to_owned(),
            s(keys::category(product.category.as_str())),
        );
        item.insert(attr::GSI2SK.to_owned(), s(position));
    }
    item
}

fn specs_attribute(specs: &[Spec]) -> AttributeValue {
    AttributeValue::L(
        specs
            .iter()
            .map(|spec| {
                AttributeValue::M(HashMap::from([
                    (field::SPEC_NAME.to_owned(), s(&spec.name)),
                    (
                        field::SPEC_VALUES.to_owned(),
                        AttributeValue::L(spec.values.iter().map(s).collect()),
                    ),
                ]))
            })
            .collect(),
    )
}

fn skus_attribute(skus: &[Sku]) -> AttributeValue {
    AttributeValue::M(
        skus.iter()
            .map(|sku| {
                let values = sku
                    .spec_values
                    .iter()
                    .map(|(name, value)| (name.to_owned(), s(value)))
                    .collect();
                let mut attributes = HashMap::from([
                    (field::SKU_PRICE_FEN.to_owned(), n(sku.price_fen)),
                    (field::SKU_STOCK.to_owned(), n(sku.stock)),
                    (field::SKU_SPEC_VALUES.to_owned(), AttributeValue::M(values)),
                ]);
                if let Some(image) = &sku.image {
                    attributes.insert(field::SKU_IMAGE.to_owned(), s(image));
                }
                (sku.sku_id.as_str().to_owned(), AttributeValue::M(attributes))
            })
            .collect(),
    )
}

fn strings(value: Option<&AttributeValue>) -> Vec<String> {
    match value {
        Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        _ => Vec::new(),
    }
}

fn specs_from(value: Option<&AttributeValue>) -> Result<Vec<Spec>, StorageError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let list = value.as_l().map_err(|_| corrupt(field::SPECS))?;
    list.iter()
        .map(|spec| {
            let map = spec.as_m().map_err(|_| corrupt(field::SPECS))?;
            Ok(Spec {
                name: Item(map).s(field::SPEC_NAME)?,
                values: strings(map.get(field::SPEC_VALUES)),
            })
        })
        .collect()
}

fn skus_from(value: &AttributeValue) -> Result<Vec<Sku>, StorageError> {
    let map = value.as_m().map_err(|_| corrupt(field::SKUS))?;
    map.iter()
        .map(|(id, sku)| {
            let attributes = sku.as_m().map_err(|_| corrupt(field::SKUS))?;
            let sku = Item(attributes);
            let spec_values = match attributes.get(field::SKU_SPEC_VALUES) {
                Some(AttributeValue::M(values)) => values
                    .iter()
                    .filter_map(|(name, value)| Some((name.clone(), value.as_s().ok()?.clone())))
                    .collect(),
                _ => Default::default(),
            };
            Ok(Sku {
                sku_id: SkuId::parse(id).ok_or_else(|| corrupt(field::SKUS))?,
                spec_values,
                price_fen: sku.n(field::SKU_PRICE_FEN)?,
                stock: sku.n(field::SKU_STOCK)?,
                image: sku.opt_s(field::SKU_IMAGE),
            })
        })
        .collect()
}

pub(super) fn product_from(attributes: &Attributes) -> Result<Product, StorageError> {
    let item = Item(attributes);
    let images = strings(attributes.get(field::IMAGES));
    let price_fen = item.n(field::PRICE_FEN)?;
    let stock = item.n(field::STOCK)?;
    let specs = specs_from(attributes.get(field::SPECS))?;
    let skus = match attributes.get(field::SKUS) {
        Some(skus) => skus_from(skus)?,
        None => vec![Sku {
            sku_id: SkuId::default_sku(),
            spec_values: Default::default(),
            price_fen,
            stock,
            image: None,
        }],
    };
    let mut product = Product {
        id: item.parsed(field::ID, ProductId::parse)?,
        name: item.s(field::NAME)?,
        description: item.opt_s(field::DESCRIPTION).unwrap_or_default(),
        price_fen,
        stock,
        category: item.parsed(field::CATEGORY, Category::parse)?,
        images,
        status: item.parsed(field::STATUS, ProductStatus::parse)?,
        fulfilment: match item.opt_s(field::FULFILMENT) {
            Some(_) => item.parsed(field::FULFILMENT, Fulfilment::parse)?,
            None => Fulfilment::Physical,
        },
        sort_order: item.n(field::SORT_ORDER)?,
        specs,
        skus,
        created_at: item.opt_time(field::CREATED_AT)?.unwrap_or_else(Timestamp::now),
        updated_at: item.opt_time(field::UPDATED_AT)?.unwrap_or_else(Timestamp::now),
    };
    // The table keeps SKUs in a map: back in the order of their specs' values.
    product.sort_skus();
    Ok(product)
}
