//! Products in the table: listing through the sparse catalog indexes, reads, and the seeder's writes.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};

use super::item::{Attributes, Item, n, s};
use super::keys::{self, attr, index};
use super::pages::Listing;
use super::{Read, Store};
use crate::catalog::{Category, Page, PageSize, Product, ProductId, ProductStatus};
use crate::error::{ApiError, BoxError};
use crate::time::Timestamp;

pub(super) mod field {
    pub const ID: &str = "id";
    pub const NAME: &str = "name";
    pub const DESCRIPTION: &str = "description";
    pub const PRICE_FEN: &str = "priceFen";
    pub const STOCK: &str = "stock";
    pub const CATEGORY: &str = "category";
    pub const IMAGES: &str = "images";
    pub const STATUS: &str = "status";
    pub const SORT_ORDER: &str = "sortOrder";
    pub const CREATED_AT: &str = "createdAt";
    pub const UPDATED_AT: &str = "updatedAt";
}

/// BatchWriteItem's limit.
const WRITE_BATCH: usize = 25;
/// BatchGetItem's limit.
const READ_BATCH: usize = 100;
/// Attempts at unprocessed items before giving up.
const BATCH_ATTEMPTS: u32 = 8;

impl Store {
    /// One page of ON_SALE products in display order, optionally of one category: a single Query.
    #[tracing::instrument(skip_all)]
    pub async fn list_products(
        &self,
        category: Option<&Category>,
        limit: PageSize,
        cursor: Option<&str>,
    ) -> Result<Page<Product>, ApiError> {
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
        self.query_page(&listing, limit, cursor, product_from, "listing products")
            .await
    }

    /// One product, whatever its status.
    #[tracing::instrument(skip_all)]
    pub async fn get_product(&self, id: &ProductId) -> Result<Option<Product>, ApiError> {
        let item = self
            .get(&keys::product(id.as_str()), Read::Eventual, "loading the product")
            .await?;
        item.as_ref().map(product_from).transpose()
    }

    /// The ids among `ids` that already exist (for the seeder).
    pub async fn existing_products(&self, ids: &[ProductId]) -> Result<Vec<ProductId>, BoxError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(READ_BATCH) {
            let keys: Vec<Attributes> = chunk
                .iter()
                .map(|id| {
                    let key = keys::product(id.as_str());
                    HashMap::from([(attr::PK.to_owned(), s(key.pk)), (attr::SK.to_owned(), s(key.sk))])
                })
                .collect();
            let mut request = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .projection_expression("id")
                    .build()?,
            );
            let mut attempt = 0;
            while let Some(pending) = request.take() {
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(self.table(), pending)
                    .send()
                    .await?;
                for item in output
                    .responses()
                    .and_then(|r| r.get(self.table()))
                    .into_iter()
                    .flatten()
                {
                    found.push(ProductId::try_from(Item(item).s(field::ID)?)?);
                }
                request = output.unprocessed_keys.and_then(|mut u| u.remove(self.table()));
                attempt += 1;
                if request.is_some() {
                    backoff(attempt).await?;
                }
            }
        }
        Ok(found)
    }

    /// Writes `products` with BatchWriteItem, 25 at a time, retrying unprocessed items with
    /// exponential backoff. Existing items with the same id are replaced.
    pub async fn put_products(&self, products: &[Product]) -> Result<usize, BoxError> {
        for chunk in products.chunks(WRITE_BATCH) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|p| {
                    let put = PutRequest::builder().set_item(Some(product_item(p))).build()?;
                    Ok::<_, BoxError>(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<_, _>>()?;
            let mut attempt = 0;
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(self.table(), pending)
                    .send()
                    .await?;
                pending = output
                    .unprocessed_items
                    .and_then(|mut u| u.remove(self.table()))
                    .unwrap_or_default();
                attempt += 1;
                if !pending.is_empty() {
                    backoff(attempt).await?;
                }
            }
        }
        Ok(products.len())
    }
}

/// Sleeps 50 ms x 2^attempt (capped at 3 s), or fails after [`BATCH_ATTEMPTS`].
async fn backoff(attempt: u32) -> Result<(), BoxError> {
    if attempt >= BATCH_ATTEMPTS {
        return Err(format!("items still unprocessed after {attempt} attempts").into());
    }
    let millis = (50u64 << attempt.min(6)).min(3000);
    tokio::time::sleep(Duration::from_millis(millis)).await;
    Ok(())
}

/// The item of a product; ON_SALE products also carry the catalog index keys.
pub(super) fn product_item(product: &Product) -> Attributes {
    let key = keys::product(product.id.as_str());
    let mut item = HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(keys::ITEM_PRODUCT)),
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
    if product.status == ProductStatus::OnSale {
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

pub(super) fn product_from(attributes: &Attributes) -> Result<Product, ApiError> {
    let item = Item(attributes);
    let bad = |name: &str| ApiError::internal("reading a product", format!("attribute `{name}` is invalid"));
    let images = match attributes.get(field::IMAGES) {
        Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        _ => Vec::new(),
    };
    Ok(Product {
        id: ProductId::try_from(item.s(field::ID)?).map_err(|_| bad(field::ID))?,
        name: item.s(field::NAME)?,
        description: item.opt_s(field::DESCRIPTION).unwrap_or_default(),
        price_fen: item.n(field::PRICE_FEN)?,
        stock: item.n(field::STOCK)?,
        category: Category::try_from(item.s(field::CATEGORY)?).map_err(|_| bad(field::CATEGORY))?,
        images,
        status: ProductStatus::parse(&item.s(field::STATUS)?).ok_or_else(|| bad(field::STATUS))?,
        sort_order: item.n(field::SORT_ORDER)?,
        created_at: item.opt_time(field::CREATED_AT)?.unwrap_or_else(Timestamp::now),
        updated_at: item.opt_time(field::UPDATED_AT)?.unwrap_or_else(Timestamp::now),
    })
}
