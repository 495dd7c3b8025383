//! Products in the table: listing through the sparse catalog indexes, reads, and the seeder's writes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{Attributes, Item, n, s};
use super::keys::{self, attr, field::product as field, index, item_type};
use super::pages::{Cursors, Listing};
use super::{Read, Store};
use crate::domain::catalog::{Category, Fulfilment, Product, ProductStatus};
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

pub(super) fn product_from(attributes: &Attributes) -> Result<Product, StorageError> {
    let item = Item(attributes);
    let images = match attributes.get(field::IMAGES) {
        Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        _ => Vec::new(),
    };
    Ok(Product {
        id: item.parsed(field::ID, ProductId::parse)?,
        name: item.s(field::NAME)?,
        description: item.opt_s(field::DESCRIPTION).unwrap_or_default(),
        price_fen: item.n(field::PRICE_FEN)?,
        stock: item.n(field::STOCK)?,
        category: item.parsed(field::CATEGORY, Category::parse)?,
        images,
        status: item.parsed(field::STATUS, ProductStatus::parse)?,
        fulfilment: match item.opt_s(field::FULFILMENT) {
            Some(_) => item.parsed(field::FULFILMENT, Fulfilment::parse)?,
            None => Fulfilment::Physical,
        },
        sort_order: item.n(field::SORT_ORDER)?,
        created_at: item.opt_time(field::CREATED_AT)?.unwrap_or_else(Timestamp::now),
        updated_at: item.opt_time(field::UPDATED_AT)?.unwrap_or_else(Timestamp::now),
    })
}
