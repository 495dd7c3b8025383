//! The back office's writes to the catalog: a product saved whole (created, or replaced as it
//! was read), stock adjusted by a signed amount, and every product listed.

use aws_sdk_dynamodb::types::ReturnValue;

use super::Store;
use super::catalog::{product_from, product_item};
use super::item::{condition_failed, n, s};
use super::keys::{self, attr, field::product as field, index};
use super::queues_pages::Partition;
use crate::domain::catalog::{Product, SkuId};
use crate::domain::ids::ProductId;
use crate::domain::paging::Position;
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

/// How a stock adjustment ended.
#[derive(Debug)]
pub enum Adjusted {
    Done(Box<Product>),
    /// The stock would fall below zero, or the product or SKU does not exist.
    Refused,
}

impl Store {
    /// Writes `product` whole: a new one only if none has its id (`read` is `None`), an existing
    /// one only if it was not changed since it was read at `read` (its `updatedAt`; every stock
    /// change moves it too). False when that condition failed.
    #[tracing::instrument(skip_all)]
    pub async fn save_product(
        &self,
        product: &Product,
        read: Option<Timestamp>,
    ) -> Result<bool, StorageError> {
        let put = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(product_item(product)));
        let put = match read {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(read) => put
                .condition_expression("#updated = :read")
                .expression_attribute_names("#updated", field::UPDATED_AT)
                .expression_attribute_values(":read", s(read.to_string())),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StorageError::from_sdk("saving the product", err)),
        }
    }

    /// Adds `delta` (negative: takes) to the stock of SKU `sku` of product `id` and to the
    /// product's total, never below zero: one conditional UpdateItem.
    #[tracing::instrument(skip_all)]
    pub async fn adjust_stock(
        &self,
        id: &ProductId,
        sku: &SkuId,
        delta: i64,
        now: Timestamp,
    ) -> Result<Adjusted, StorageError> {
        let mut update = self
            .update(&keys::product(id.as_str()))
            .expression_attribute_names("#stock", field::STOCK)
            .expression_attribute_names("#updated", field::UPDATED_AT)
            .expression_attribute_values(":delta", n(delta))
            .expression_attribute_values(":now", s(now.to_string()))
            .return_values(ReturnValue::AllNew);
        let mut sets = vec!["#stock = #stock + :delta", "#updated = :now"];
        let mut conditions = vec!["attribute_exists(pk)".to_owned()];
        if sku.is_default() {
            update = update.expression_attribute_names("#skus", field::SKUS);
            conditions.push("attribute_not_exists(#skus)".into());
            if delta < 0 {
                conditions.push("#stock >= :taken".into());
            }
        } else {
            update = update
                .expression_attribute_names("#skus", field::SKUS)
                .expression_attribute_names("#sku", sku.as_str())
                .expression_attribute_names("#sku_stock", field::SKU_STOCK);
            sets.push("#skus.#sku.#sku_stock = #skus.#sku.#sku_stock + :delta");
            conditions.push("attribute_exists(#skus.#sku)".into());
            if delta < 0 {
                conditions.push("#skus.#sku.#sku_stock >= :taken".into());
            }
        }
        if delta < 0 {
            update = update.expression_attribute_values(":taken", n(-delta));
        }
        let result = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(conditions.join(" AND "))
            .send()
            .await;
        match result {
            Ok(output) => {
                let attributes = output.attributes.unwrap_or_default();
                Ok(Adjusted::Done(Box::new(product_from(&attributes)?)))
            }
            Err(err) if condition_failed(&err) => Ok(Adjusted::Refused),
            Err(err) => Err(StorageError::from_sdk("adjusting the stock", err)),
        }
    }

    /// Every product, whatever its status, by id, a page at a time: one Query of the GSI3
    /// partition of products. Answers the products and where to go on from.
    #[tracing::instrument(skip_all)]
    pub async fn all_products(
        &self,
        after: Option<&Position>,
        limit: i32,
    ) -> Result<(Vec<Product>, Option<String>), StorageError> {
        let partition = Partition {
            index: Some(index::GSI3),
            pk: attr::GSI3PK,
            sk: attr::GSI3SK,
            value: keys::PRODUCTS.to_owned(),
        };
        let query = self.queue_query(&partition, after, limit);
        self.queue_page(query, attr::GSI3SK, product_from, "listing every product")
            .await
    }
}
