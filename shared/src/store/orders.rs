//! Orders and idempotency records in the table. An order, its stock decrements and its
//! idempotency record are written in one transaction: all or nothing.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

use super::catalog::{field as product_field, product_from};
use super::item::{Attributes, Item, n, s, storage_error};
use super::keys::{self, attr, index};
use super::pages::Listing;
use super::{Read, Store};
use crate::catalog::{Page, PageSize, Product, ProductId, ProductStatus};
use crate::error::ApiError;
use crate::orders::{Order, OrderLine, OrderStatus, Shortage};
use crate::time::Timestamp;

mod field {
    pub const ORDER_ID: &str = "orderId";
    pub const OPENID: &str = "openid";
    pub const STATUS: &str = "status";
    pub const ITEMS: &str = "items";
    pub const TOTAL_FEN: &str = "totalFen";
    pub const REMARK: &str = "remark";
    pub const CREATED_AT: &str = "createdAt";
    pub const UPDATED_AT: &str = "updatedAt";
    pub const PAY_BY: &str = "payBy";
    pub const CANCELLED_AT: &str = "cancelledAt";
    pub const FINGERPRINT: &str = "fingerprint";
    pub const PRODUCT_ID: &str = "productId";
    pub const NAME: &str = "name";
    pub const PRICE_FEN: &str = "priceFen";
    pub const QUANTITY: &str = "quantity";
    pub const SUBTOTAL_FEN: &str = "subtotalFen";
}

/// What an idempotency key was used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub digest: String,
    pub order_id: String,
    pub fingerprint: String,
    pub expires_at: Timestamp,
}

/// How an attempt to create an order ended.
#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// The idempotency key was taken meanwhile (a concurrent duplicate won).
    KeyTaken,
    /// Stock or status changed since the read: these products failed their condition.
    Short(Vec<Shortage>),
    /// Another transaction touched the same items: safe to retry.
    Conflict,
}

/// How an attempt to cancel an order ended.
#[derive(Debug)]
pub enum CancelOutcome {
    Cancelled,
    /// The order was no longer PENDING_PAYMENT (cancelled concurrently): re-read it.
    AlreadyChanged,
    Conflict,
}

impl Store {
    /// The products of an order and the idempotency record, in one BatchGetItem.
    #[tracing::instrument(skip_all)]
    pub async fn load_for_order(
        &self,
        ids: &[&ProductId],
        idempotency_digest: &str,
    ) -> Result<(HashMap<ProductId, Product>, Option<IdempotencyRecord>), ApiError> {
        let record_key = keys::idempotency(idempotency_digest);
        let mut wanted: Vec<Attributes> = ids
            .iter()
            .map(|id| key_attributes(&keys::product(id.as_str())))
            .collect();
        wanted.push(key_attributes(&record_key));
        let mut request = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(wanted))
                .build()
                .map_err(|e| ApiError::internal("building the batch read", e))?,
        );
        let mut products = HashMap::new();
        let mut record = None;
        let mut attempts = 0;
        while let Some(pending) = request.take() {
            attempts += 1;
            let output = self
                .client
                .batch_get_item()
                .request_items(self.table(), pending)
                .send()
                .await
                .map_err(|e| storage_error("loading the products", e))?;
            for item in output
                .responses()
                .and_then(|r| r.get(self.table()))
                .into_iter()
                .flatten()
            {
                if Item(item).opt_s(attr::PK).as_deref() == Some(record_key.pk.as_str()) {
                    record = Some(record_from(item)?);
                } else {
                    let product = product_from(item)?;
                    products.insert(product.id.clone(), product);
                }
            }
            request = output.unprocessed_keys.and_then(|mut u| u.remove(self.table()));
            if request.is_some() {
                if attempts >= 5 {
                    return Err(ApiError::StorageUnavailable {
                        context: "loading the products".into(),
                        source: "keys still unprocessed after 5 attempts".into(),
                    });
                }
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempts)).await;
            }
        }
        let now = Timestamp::now();
        Ok((products, record.filter(|r| r.expires_at > now)))
    }

    /// The idempotency record, read consistently; an expired one counts as absent.
    #[tracing::instrument(skip_all)]
    pub async fn get_idempotency(&self, digest: &str) -> Result<Option<IdempotencyRecord>, ApiError> {
        let item = self
            .get(
                &keys::idempotency(digest),
                Read::Consistent,
                "loading the idempotency record",
            )
            .await?;
        let now = Timestamp::now();
        Ok(item
            .as_ref()
            .map(record_from)
            .transpose()?
            .filter(|r| r.expires_at > now))
    }

    /// Writes the order, its stock decrements (each conditional on ON_SALE and enough stock) and
    /// the idempotency record in one TransactWriteItems.
    #[tracing::instrument(skip_all)]
    pub async fn create_order(
        &self,
        order: &Order,
        record: &IdempotencyRecord,
    ) -> Result<CreateOutcome, ApiError> {
        let now = order.created_at;
        let record_key = keys::idempotency(&record.digest);
        let record_put = Put::builder()
            .table_name(self.table())
            .set_item(Some(HashMap::from([
                (attr::PK.to_owned(), s(record_key.pk)),
                (attr::SK.to_owned(), s(record_key.sk)),
                (attr::TYPE.to_owned(), s(keys::ITEM_IDEMPOTENCY)),
                (field::ORDER_ID.to_owned(), s(&record.order_id)),
                (field::FINGERPRINT.to_owned(), s(&record.fingerprint)),
                (attr::TTL.to_owned(), n(record.expires_at.epoch_secs())),
            ])))
            // An expired record (TTL not yet applied) may be replaced.
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":now", n(now.epoch_secs()))
            .build()
            .map_err(|e| ApiError::internal("building the transaction", e))?;
        let order_put = Put::builder()
            .table_name(self.table())
            .set_item(Some(order_item(order)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("building the transaction", e))?;
        let mut actions = vec![
            TransactWriteItem::builder().put(record_put).build(),
            TransactWriteItem::builder().put(order_put).build(),
        ];
        for line in &order.items {
            let key = keys::product(line.product_id.as_str());
            let update = Update::builder()
                .table_name(self.table())
                .key(attr::PK, s(key.pk))
                .key(attr::SK, s(key.sk))
                .update_expression("SET #stock = #stock - :q, #updated = :now")
                .condition_expression("#status = :on_sale AND #stock >= :q")
                .expression_attribute_names("#stock", product_field::STOCK)
                .expression_attribute_names("#status", product_field::STATUS)
                .expression_attribute_names("#updated", product_field::UPDATED_AT)
                .expression_attribute_values(":q", n(line.quantity))
                .expression_attribute_values(":on_sale", s(ProductStatus::OnSale.as_str()))
                .expression_attribute_values(":now", s(now.to_string()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(|e| ApiError::internal("building the transaction", e))?;
            actions.push(TransactWriteItem::builder().update(update).build());
        }
        let Some(reasons) = self.transact(actions, "writing the order").await? else {
            return Ok(CreateOutcome::Created);
        };
        if reasons.conflict() {
            return Ok(CreateOutcome::Conflict);
        }
        if reasons.failed(0) {
            return Ok(CreateOutcome::KeyTaken);
        }
        if reasons.failed(1) {
            // Order id collision: a retry draws a new id.
            return Ok(CreateOutcome::Conflict);
        }
        let shortages: Vec<Shortage> = order
            .items
            .iter()
            .enumerate()
            .filter(|(i, _)| reasons.failed(i + 2))
            .map(|(i, line)| shortage(line, reasons.0[i + 2].item()))
            .collect();
        if shortages.is_empty() {
            return Err(ApiError::internal(
                "writing the order",
                "the transaction was cancelled for no known reason",
            ));
        }
        Ok(CreateOutcome::Short(shortages))
    }

    /// One order, read consistently.
    #[tracing::instrument(skip_all)]
    pub async fn get_order(&self, order_id: &str) -> Result<Option<Order>, ApiError> {
        let item = self
            .get(&keys::order(order_id), Read::Consistent, "loading the order")
            .await?;
        item.as_ref().map(order_from).transpose()
    }

    /// One page of a user's orders, newest first: a single Query on GSI1.
    #[tracing::instrument(skip_all)]
    pub async fn list_orders(
        &self,
        openid: &str,
        limit: PageSize,
        cursor: Option<&str>,
    ) -> Result<Page<Order>, ApiError> {
        let listing = Listing {
            index: index::GSI1,
            partition: keys::user_orders(openid),
            kind: keys::order(""),
            newest_first: true,
        };
        self.query_page(&listing, limit, cursor, order_from, "listing orders")
            .await
    }

    /// Cancels a PENDING_PAYMENT order of `order.openid` and puts its stock back, in one
    /// transaction conditioned on the order still pending: stock is never restored twice.
    #[tracing::instrument(skip_all)]
    pub async fn cancel_order(&self, order: &Order, now: Timestamp) -> Result<CancelOutcome, ApiError> {
        let key = keys::order(&order.order_id);
        let order_update = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .update_expression("SET #status = :cancelled, #cancelled_at = :now, #updated = :now")
            .condition_expression("#status = :pending AND #owner = :owner")
            .expression_attribute_names("#status", field::STATUS)
            .expression_attribute_names("#cancelled_at", field::CANCELLED_AT)
            .expression_attribute_names("#updated", field::UPDATED_AT)
            .expression_attribute_names("#owner", field::OPENID)
            .expression_attribute_values(":cancelled", s(OrderStatus::Cancelled.as_str()))
            .expression_attribute_values(":pending", s(OrderStatus::PendingPayment.as_str()))
            .expression_attribute_values(":owner", s(&order.openid))
            .expression_attribute_values(":now", s(now.to_string()))
            .build()
            .map_err(|e| ApiError::internal("building the transaction", e))?;
        let mut actions = vec![TransactWriteItem::builder().update(order_update).build()];
        for line in &order.items {
            let key = keys::product(line.product_id.as_str());
            let restock = Update::builder()
                .table_name(self.table())
                .key(attr::PK, s(key.pk))
                .key(attr::SK, s(key.sk))
                .update_expression("SET #stock = #stock + :q, #updated = :now")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#stock", product_field::STOCK)
                .expression_attribute_names("#updated", product_field::UPDATED_AT)
                .expression_attribute_values(":q", n(line.quantity))
                .expression_attribute_values(":now", s(now.to_string()))
                .build()
                .map_err(|e| ApiError::internal("building the transaction", e))?;
            actions.push(TransactWriteItem::builder().update(restock).build());
        }
        let Some(reasons) = self.transact(actions, "cancelling the order").await? else {
            return Ok(CancelOutcome::Cancelled);
        };
        if reasons.conflict() {
            return Ok(CancelOutcome::Conflict);
        }
        if reasons.failed(0) {
            return Ok(CancelOutcome::AlreadyChanged);
        }
        Err(ApiError::internal(
            "cancelling the order",
            "the transaction was cancelled for no known reason",
        ))
    }

    /// Runs a transaction: `None` when it committed, the cancellation reasons when it was
    /// cancelled, an error otherwise.
    async fn transact(
        &self,
        actions: Vec<TransactWriteItem>,
        context: &str,
    ) -> Result<Option<Reasons>, ApiError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    Ok(Some(Reasons(cancelled.cancellation_reasons().to_vec())))
                }
                _ => Err(storage_error(context, err)),
            },
        }
    }
}

/// The cancellation reasons of a transaction, one per action, in order.
struct Reasons(Vec<CancellationReason>);

impl Reasons {
    /// Another transaction touched the same items: safe to retry.
    fn conflict(&self) -> bool {
        self.0.iter().any(|r| r.code() == Some("TransactionConflict"))
    }

    /// Whether action `index` failed its condition.
    fn failed(&self, index: usize) -> bool {
        self.0
            .get(index)
            .is_some_and(|r| r.code() == Some("ConditionalCheckFailed"))
    }
}

/// Why a product's condition failed, from the item as it was (ALL_OLD).
fn shortage(line: &OrderLine, old: Option<&HashMap<String, AttributeValue>>) -> Shortage {
    let (reason, available) = match old {
        None => ("OUT_OF_STOCK", None),
        Some(item) if item.is_empty() => ("NOT_FOUND", None),
        Some(item) => {
            let item = Item(item);
            let on_sale =
                item.opt_s(product_field::STATUS).as_deref() == Some(ProductStatus::OnSale.as_str());
            let stock = item.opt_n::<i64>(product_field::STOCK).ok().flatten();
            if on_sale {
                ("OUT_OF_STOCK", stock.map(|s| s.max(0)))
            } else {
                ("OFF_SALE", None)
            }
        }
    };
    Shortage {
        product_id: line.product_id.clone(),
        reason,
        available,
    }
}

fn key_attributes(key: &keys::Key) -> Attributes {
    HashMap::from([
        (attr::PK.to_owned(), s(&key.pk)),
        (attr::SK.to_owned(), s(&key.sk)),
    ])
}

fn record_from(attributes: &Attributes) -> Result<IdempotencyRecord, ApiError> {
    let item = Item(attributes);
    let pk = item.s(attr::PK)?;
    let expires = item.n::<i64>(attr::TTL)?;
    Ok(IdempotencyRecord {
        digest: pk.trim_start_matches("IDEMPOTENCY#").to_owned(),
        order_id: item.s(field::ORDER_ID)?,
        fingerprint: item.s(field::FINGERPRINT)?,
        expires_at: Timestamp::from_epoch_secs(expires)
            .ok_or_else(|| ApiError::internal("reading the idempotency record", "bad expiry"))?,
    })
}

fn order_item(order: &Order) -> Attributes {
    let key = keys::order(&order.order_id);
    let created_at = order.created_at.to_string();
    let lines = order
        .items
        .iter()
        .map(|line| {
            AttributeValue::M(HashMap::from([
                (field::PRODUCT_ID.to_owned(), s(line.product_id.as_str())),
                (field::NAME.to_owned(), s(&line.name)),
                (field::PRICE_FEN.to_owned(), n(line.price_fen)),
                (field::QUANTITY.to_owned(), n(line.quantity)),
                (field::SUBTOTAL_FEN.to_owned(), n(line.subtotal_fen)),
            ]))
        })
        .collect();
    let mut item = HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(keys::ITEM_ORDER)),
        (attr::GSI1PK.to_owned(), s(keys::user_orders(&order.openid))),
        (
            attr::GSI1SK.to_owned(),
            s(keys::order_position(&created_at, &order.order_id)),
        ),
        (field::ORDER_ID.to_owned(), s(&order.order_id)),
        (field::OPENID.to_owned(), s(&order.openid)),
        (field::STATUS.to_owned(), s(order.status.as_str())),
        (field::ITEMS.to_owned(), AttributeValue::L(lines)),
        (field::TOTAL_FEN.to_owned(), n(order.total_fen)),
        (field::CREATED_AT.to_owned(), s(created_at)),
        (field::UPDATED_AT.to_owned(), s(order.updated_at.to_string())),
        (field::PAY_BY.to_owned(), s(order.pay_by.to_string())),
    ]);
    if let Some(remark) = &order.remark {
        item.insert(field::REMARK.to_owned(), s(remark));
    }
    item
}

fn order_from(attributes: &Attributes) -> Result<Order, ApiError> {
    let item = Item(attributes);
    let bad = |name: &str| ApiError::internal("reading an order", format!("attribute `{name}` is invalid"));
    let lines = match attributes.get(field::ITEMS) {
        Some(AttributeValue::L(lines)) => lines
            .iter()
            .map(|line| {
                let map = line.as_m().map_err(|_| bad(field::ITEMS))?;
                let line = Item(map);
                Ok(OrderLine {
                    product_id: ProductId::try_from(line.s(field::PRODUCT_ID)?)
                        .map_err(|_| bad(field::PRODUCT_ID))?,
                    name: line.s(field::NAME)?,
                    price_fen: line.n(field::PRICE_FEN)?,
                    quantity: line.n(field::QUANTITY)?,
                    subtotal_fen: line.n(field::SUBTOTAL_FEN)?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?,
        _ => return Err(bad(field::ITEMS)),
    };
    Ok(Order {
        order_id: item.s(field::ORDER_ID)?,
        openid: item.s(field::OPENID)?,
        status: OrderStatus::parse(&item.s(field::STATUS)?).ok_or_else(|| bad(field::STATUS))?,
        items: lines,
        total_fen: item.n(field::TOTAL_FEN)?,
        remark: item.opt_s(field::REMARK),
        created_at: item.time(field::CREATED_AT)?,
        updated_at: item.time(field::UPDATED_AT)?,
        pay_by: item.time(field::PAY_BY)?,
        cancelled_at: item.opt_time(field::CANCELLED_AT)?,
    })
}
