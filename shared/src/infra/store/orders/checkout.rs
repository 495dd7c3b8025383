//! Orders created (stock held, idempotency recorded, holdings capped) and closed with their stock
//! put back (cancelled, expired or refunded), in one transaction each.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::super::catalog::product_from;
use super::super::item::{Attributes, Item, n, s};
use super::super::keys::{self, attr, field, index, item_type};
use super::super::pages::{Cursors, Listing};
use super::super::transaction::{Outcome, Transaction};
use super::super::{Read, Store};
use crate::domain::catalog::{Product, ProductStatus};
use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::orders::{
    HoldingLimits, Holdings, Order, OrderLine, OrderStatus, Prepay, Shortage, ShortageReason,
};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::domain::reconciliation::ledger::LedgerEntry;
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

use super::*;

impl Store {
    /// The products of an order and the idempotency record, in one BatchGetItem.
    #[tracing::instrument(skip_all)]
    pub async fn load_for_order(
        &self,
        ids: &[&ProductId],
        idempotency_digest: &str,
        now: Timestamp,
    ) -> Result<(HashMap<ProductId, Product>, Option<IdempotencyRecord>), StorageError> {
        let record_key = keys::idempotency(idempotency_digest);
        let mut wanted: Vec<keys::Key> = ids.iter().map(|id| keys::product(id.as_str())).collect();
        wanted.push(record_key.clone());
        let mut products = HashMap::new();
        let mut record = None;
        for item in self.batch_get(&wanted, None, "loading the products").await? {
            if Item(&item).opt_s(attr::PK).as_deref() == Some(record_key.pk.as_str()) {
                record = Some(record_from(&item)?);
            } else {
                let product = product_from(&item)?;
                products.insert(product.id.clone(), product);
            }
        }
        Ok((products, record.filter(|r| r.expires_at > now)))
    }

    /// The idempotency record, read consistently; one expired by `now` counts as absent.
    #[tracing::instrument(skip_all)]
    pub async fn get_idempotency(
        &self,
        digest: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotencyRecord>, StorageError> {
        let item = self
            .get(
                &keys::idempotency(digest),
                Read::Consistent,
                "loading the idempotency record",
            )
            .await?;
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
        limits: &HoldingLimits,
    ) -> Result<CreateOutcome, StorageError> {
        const CONTEXT: &str = "writing the order";
        let now = order.created_at;
        let built = |e| StorageError::failed(CONTEXT, e);
        let mut transaction = Transaction::new();
        let record_put = Put::builder()
            .table_name(self.table())
            .set_item(Some(record_item(record)))
            // An expired record (TTL not yet applied) may be replaced.
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":now", n(now.epoch_secs()))
            .build()
            .map_err(built)?;
        transaction.push(
            CreateAction::Record,
            TransactWriteItem::builder().put(record_put).build(),
        );
        let order_put = Put::builder()
            .table_name(self.table())
            .set_item(Some(order_item(order)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(built)?;
        transaction.push(
            CreateAction::Order,
            TransactWriteItem::builder().put(order_put).build(),
        );
        transaction.push(
            CreateAction::Holdings,
            TransactWriteItem::builder()
                .update(self.hold(order, limits).map_err(built)?)
                .build(),
        );
        // One update per product (a transaction touches an item once), taking every SKU's units
        // under the condition that each has enough.
        for (product_id, lines) in by_product(&order.items) {
            let (update, mut conditions) = self.stock_update(product_id, &lines, Direction::Take, now);
            conditions.push("#status = :on_sale".to_owned());
            let update = update
                .condition_expression(conditions.join(" AND "))
                .expression_attribute_names("#status", field::product::STATUS)
                .expression_attribute_values(":on_sale", s(ProductStatus::OnSale.as_str()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(built)?;
            transaction.push(
                CreateAction::Stock(product_id.clone()),
                TransactWriteItem::builder().update(update).build(),
            );
        }
        let failed = match transaction.run(self, CONTEXT).await? {
            Outcome::Committed => return Ok(CreateOutcome::Created),
            Outcome::Conflict => return Ok(CreateOutcome::Conflict),
            Outcome::Failed(failed) => failed,
        };
        let mut shortages = Vec::new();
        let mut held = None;
        for (action, old) in failed {
            match action {
                CreateAction::Record => return Ok(CreateOutcome::KeyTaken),
                // Order id collision: a retry draws a new id.
                CreateAction::Order => return Ok(CreateOutcome::Conflict),
                CreateAction::Holdings => held = Some(holdings_over(order, limits, old.as_ref())?),
                CreateAction::Stock(product_id) => {
                    let lines: Vec<&OrderLine> = order
                        .items
                        .iter()
                        .filter(|line| line.product_id == product_id)
                        .collect();
                    shortages.extend(shortages_of(&lines, old.as_ref())?);
                }
            }
        }
        // Stock is the harder fact: short stock is reported first; otherwise the caps.
        match held {
            Some(holdings) if shortages.is_empty() => Ok(CreateOutcome::Held(holdings)),
            _ => Ok(CreateOutcome::Short(shortages)),
        }
    }

    /// The update that counts `order` in its user's holdings, conditioned on the caps: fewer than
    /// `max_pending_orders` unpaid orders, and at most `max_units_per_product` units of each SKU.
    fn hold(
        &self,
        order: &Order,
        limits: &HoldingLimits,
    ) -> Result<Update, aws_sdk_dynamodb::error::BuildError> {
        use field::holdings as f;
        let mut sets = vec!["#pending = if_not_exists(#pending, :zero) + :one".to_owned()];
        let mut conditions = vec!["(attribute_not_exists(#pending) OR #pending < :max_orders)".to_owned()];
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(super::super::item::key_attributes(&keys::holdings(
                order.openid.as_str(),
            ))))
            .expression_attribute_names("#pending", f::PENDING_ORDERS)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max_orders", n(limits.max_pending_orders))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (i, line) in order.items.iter().enumerate() {
            sets.push(format!("#u{i} = if_not_exists(#u{i}, :zero) + :q{i}"));
            conditions.push(format!("(attribute_not_exists(#u{i}) OR #u{i} <= :room{i})"));
            update = update
                .expression_attribute_names(format!("#u{i}"), f::units(&line.sku_ref()))
                .expression_attribute_values(format!(":q{i}"), n(line.quantity))
                .expression_attribute_values(
                    format!(":room{i}"),
                    n(limits.max_units_per_product - line.quantity),
                );
        }
        update
            .update_expression(format!("SET {}, #type = :type", sets.join(", ")))
            .expression_attribute_names("#type", attr::TYPE)
            .expression_attribute_values(":type", s(item_type::HOLDINGS))
            .condition_expression(conditions.join(" AND "))
            .build()
    }

    /// The update that takes `order` out of its user's holdings (it was cancelled).
    pub(super) fn release(&self, order: &Order) -> Result<Update, aws_sdk_dynamodb::error::BuildError> {
        use field::holdings as f;
        let mut adds = vec!["#pending :minus_one".to_owned()];
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(super::super::item::key_attributes(&keys::holdings(
                order.openid.as_str(),
            ))))
            .expression_attribute_names("#pending", f::PENDING_ORDERS)
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":one", n(1));
        for (i, line) in order.items.iter().enumerate() {
            adds.push(format!("#u{i} :less{i}"));
            update = update
                .expression_attribute_names(format!("#u{i}"), f::units(&line.sku_ref()))
                .expression_attribute_values(format!(":less{i}"), n(-line.quantity));
        }
        update
            .update_expression(format!("ADD {}", adds.join(", ")))
            // Only an order that was counted is released, so counts never go below zero.
            .condition_expression("#pending >= :one")
            .build()
    }

    /// Stores the prepay of `order`, if it is still awaiting payment. One conditional UpdateItem.
    #[tracing::instrument(skip_all)]
    pub async fn save_prepay(&self, order: &Order, prepay: &Prepay) -> Result<bool, StorageError> {
        use field::order as f;
        let result = self
            .order_update(order)
            .update_expression("SET #prepay = :prepay, #expires = :expires")
            .condition_expression("#status = :pending AND #owner = :owner")
            .expression_attribute_names("#prepay", f::PREPAY_ID)
            .expression_attribute_names("#expires", f::PREPAY_EXPIRES_AT)
            .expression_attribute_names("#status", f::STATUS)
            .expression_attribute_names("#owner", f::OPENID)
            .expression_attribute_values(":prepay", s(&prepay.id))
            .expression_attribute_values(":expires", s(prepay.expires_at.to_string()))
            .expression_attribute_values(":pending", s(OrderStatus::PendingPayment.as_str()))
            .expression_attribute_values(":owner", s(order.openid.as_str()))
            .send()
            .await;
        super::super::item::written(result, "storing the prepay")
    }

    /// One order, read consistently.
    #[tracing::instrument(skip_all)]
    pub async fn get_order(&self, order_id: &OrderId) -> Result<Option<Order>, StorageError> {
        let item = self
            .get(
                &keys::order(order_id.as_str()),
                Read::Consistent,
                "loading the order",
            )
            .await?;
        item.as_ref().map(order_from).transpose()
    }

    /// One page of a user's orders, newest first: a single Query on GSI1.
    #[tracing::instrument(skip_all)]
    pub async fn list_orders(
        &self,
        openid: &Openid,
        limit: PageSize,
        cursor: Option<&Cursor>,
        cursors: &Cursors,
    ) -> Result<Page<Order>, StorageError> {
        let listing = Listing {
            index: index::GSI1,
            partition: keys::user_orders(openid.as_str()),
            kind: keys::order(""),
            newest_first: true,
        };
        self.query_page(&listing, limit, cursor, cursors, order_from, "listing orders")
            .await
    }

    /// Cancels a PENDING_PAYMENT order of `order.openid` and puts its stock back, in one
    /// transaction conditioned on the order still pending: stock is never restored twice.
    /// Stock of a product deleted since the order was placed is not restored; the order is
    /// still cancelled (one more transaction, without those products).
    #[tracing::instrument(skip_all)]
    pub async fn cancel_order(&self, order: &Order, now: Timestamp) -> Result<CancelOutcome, StorageError> {
        self.restock_order(order, CANCEL, now, None).await
    }

    /// Completes a refund: REFUNDING -> REFUNDED with the stock put back unless the order was
    /// shipped, and the refund filed in the money book under `succeeded_at` (when WeChat Pay
    /// says it succeeded), in one transaction conditioned on the order still refunding: stock is
    /// never restored twice.
    #[tracing::instrument(skip_all)]
    pub async fn complete_refund(
        &self,
        order: &Order,
        now: Timestamp,
        succeeded_at: Timestamp,
    ) -> Result<CancelOutcome, StorageError> {
        let entry = LedgerEntry::refund(
            &order.order_id,
            &order.refund_number(),
            order.total_fen,
            succeeded_at,
        );
        self.restock_order(order, REFUND, now, Some(&entry)).await
    }

    /// Moves `order` as `how` says and puts its stock back (products deleted since are skipped).
    async fn restock_order(
        &self,
        order: &Order,
        how: Restocking,
        now: Timestamp,
        ledger: Option<&LedgerEntry>,
    ) -> Result<CancelOutcome, StorageError> {
        allowed(how.from, how.to)?;
        let mut skip = Skip {
            release: !how.release_holdings,
            ..Skip::default()
        };
        // Units that left the warehouse are not put back: whatever comes back is restocked by hand.
        let unshipped: Vec<OrderLine> = order
            .unshipped()
            .into_iter()
            .filter(|(_, left)| *left > 0)
            .map(|(line, left)| OrderLine {
                quantity: left,
                ..line.clone()
            })
            .collect();
        loop {
            let mut transaction = self.cancel_transaction(order, &unshipped, how, now, &skip)?;
            if let Some(entry) = ledger {
                transaction.push(
                    CancelAction::Ledger,
                    self.ledger_put(entry, "cancelling the order")?,
                );
            }
            let failed = match transaction.run(self, "cancelling the order").await? {
                Outcome::Committed => return Ok(CancelOutcome::Cancelled),
                Outcome::Conflict => return Ok(CancelOutcome::Conflict),
                Outcome::Failed(failed) => failed,
            };
            let before = (skip.products.len(), skip.release);
            for (action, _) in failed {
                match action {
                    CancelAction::Order => return Ok(CancelOutcome::AlreadyChanged),
                    CancelAction::Release => skip.release = true,
                    CancelAction::Restock(product_id) => {
                        tracing::warn!(product = %product_id, "not restocking a product that no longer exists");
                        skip.products.insert(product_id);
                    }
                    CancelAction::Ledger => {}
                }
            }
            if (skip.products.len(), skip.release) == before {
                return Err(StorageError::failed(
                    "cancelling the order",
                    "a restock failed twice for the same product",
                ));
            }
        }
    }

    /// The transaction that moves `order` and puts `restock`'s units back.
    fn cancel_transaction(
        &self,
        order: &Order,
        restock: &[OrderLine],
        how: Restocking,
        now: Timestamp,
        skip: &Skip,
    ) -> Result<Transaction<CancelAction>, StorageError> {
        let built = |e| StorageError::failed("cancelling the order", e);
        let key = keys::order(order.order_id.as_str());
        let order_update = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .update_expression(
                "SET #status = :to, #at = :now, #updated = :now REMOVE #unpaid, #unpaid_at, #issue",
            )
            .expression_attribute_names("#unpaid", attr::GSI2PK)
            .expression_attribute_names("#issue", field::order::REFUND_ISSUE)
            .expression_attribute_names("#unpaid_at", attr::GSI2SK)
            .condition_expression("#status = :from AND #owner = :owner")
            .expression_attribute_names("#status", field::order::STATUS)
            .expression_attribute_names("#at", how.at)
            .expression_attribute_names("#updated", field::order::UPDATED_AT)
            .expression_attribute_names("#owner", field::order::OPENID)
            .expression_attribute_values(":to", s(how.to.as_str()))
            .expression_attribute_values(":from", s(how.from.as_str()))
            .expression_attribute_values(":owner", s(order.openid.as_str()))
            .expression_attribute_values(":now", s(now.to_string()))
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(
            CancelAction::Order,
            TransactWriteItem::builder().update(order_update).build(),
        );
        if !skip.release {
            transaction.push(
                CancelAction::Release,
                TransactWriteItem::builder()
                    .update(self.release(order).map_err(built)?)
                    .build(),
            );
        }
        for (product_id, lines) in by_product(restock) {
            if skip.products.contains(product_id) {
                continue;
            }
            // Only onto the SKUs the order took from: a product re-seeded since without them
            // is skipped as a whole rather than given stock it does not list.
            transaction.push(
                CancelAction::Restock(product_id.clone()),
                self.restock(product_id, &lines, now, "cancelling the order")?,
            );
        }
        Ok(transaction)
    }

    /// The transaction item that puts `lines`' units back into their product, conditioned on the
    /// product still existing (a failed condition: it was deleted, and its units are not restocked).
    pub(super) fn restock(
        &self,
        product_id: &ProductId,
        lines: &[&OrderLine],
        now: Timestamp,
        context: &str,
    ) -> Result<TransactWriteItem, StorageError> {
        let (restock, mut conditions) = self.stock_update(product_id, lines, Direction::Put, now);
        conditions.push("attribute_exists(pk)".to_owned());
        let restock = restock
            .condition_expression(conditions.join(" AND "))
            .build()
            .map_err(|e| StorageError::failed(context, e))?;
        Ok(TransactWriteItem::builder().update(restock).build())
    }

    /// The update that takes `lines`' units from their product (or puts them back), and the
    /// conditions that hold it to the product's shape: a product without variants keeps its
    /// stock in `stock` alone; one with variants in each SKU too, with `stock` their sum.
    /// Taking adds that each SKU has enough. The caller adds its own conditions.
    pub(super) fn stock_update(
        &self,
        product_id: &ProductId,
        lines: &[&OrderLine],
        direction: Direction,
        now: Timestamp,
    ) -> (aws_sdk_dynamodb::types::builders::UpdateBuilder, Vec<String>) {
        use field::product as f;
        let sign = match direction {
            Direction::Take => -1,
            Direction::Put => 1,
        };
        let total: i64 = lines.iter().map(|line| line.quantity).sum();
        let key = keys::product(product_id.as_str());
        let mut sets = vec![
            "#stock = #stock + :delta".to_owned(),
            "#updated = :now".to_owned(),
        ];
        let mut conditions = Vec::new();
        let mut update = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .expression_attribute_names("#stock", f::STOCK)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_names("#skus", f::SKUS)
            .expression_attribute_values(":delta", n(sign * total))
            .expression_attribute_values(":now", s(now.to_string()));
        if lines.iter().all(|line| line.sku_id.is_default()) {
            conditions.push("attribute_not_exists(#skus)".to_owned());
            if direction == Direction::Take {
                conditions.push("#stock >= :total".to_owned());
                update = update.expression_attribute_values(":total", n(total));
            }
        } else {
            update = update.expression_attribute_names("#sku_stock", f::SKU_STOCK);
            for (i, line) in lines.iter().enumerate() {
                let path = format!("#skus.#k{i}.#sku_stock");
                sets.push(format!("{path} = {path} + :d{i}"));
                conditions.push(match direction {
                    Direction::Take => format!("{path} >= :q{i}"),
                    Direction::Put => format!("attribute_exists({path})"),
                });
                update = update
                    .expression_attribute_names(format!("#k{i}"), line.sku_id.as_str())
                    .expression_attribute_values(format!(":d{i}"), n(sign * line.quantity));
                if direction == Direction::Take {
                    update = update.expression_attribute_values(format!(":q{i}"), n(line.quantity));
                }
            }
        }
        (
            update.update_expression(format!("SET {}", sets.join(", "))),
            conditions,
        )
    }
}

/// Whether stock leaves (an order placed) or comes back (cancelled, expired, refunded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Take,
    Put,
}

/// `lines` grouped by product, in the order they first appear: a transaction may touch each
/// product's item only once.
pub(super) fn by_product(lines: &[OrderLine]) -> Vec<(&ProductId, Vec<&OrderLine>)> {
    let mut groups: Vec<(&ProductId, Vec<&OrderLine>)> = Vec::new();
    for line in lines {
        match groups.iter_mut().find(|(id, _)| **id == line.product_id) {
            Some((_, lines)) => lines.push(line),
            None => groups.push((&line.product_id, vec![line])),
        }
    }
    groups
}

/// What the user holds, from their holdings as they were (ALL_OLD) when the caps refused `order`.
fn holdings_over(
    order: &Order,
    limits: &HoldingLimits,
    old: Option<&Attributes>,
) -> Result<Holdings, StorageError> {
    let empty = Attributes::new();
    let item = Item(old.unwrap_or(&empty));
    let pending_orders = item.opt_n::<u32>(field::holdings::PENDING_ORDERS)?.unwrap_or(0);
    let mut units = Vec::new();
    for line in &order.items {
        let sku = line.sku_ref();
        let held = item.opt_n::<i64>(&field::holdings::units(&sku))?.unwrap_or(0);
        if held + line.quantity > limits.max_units_per_product {
            units.push((sku, held));
        }
    }
    Ok(Holdings {
        pending_orders,
        units,
    })
}

/// Why a product's condition failed for `lines` (all of one product), from the item as it was
/// (ALL_OLD): each SKU short of stock, or the whole product gone or off sale.
fn shortages_of(lines: &[&OrderLine], old: Option<&Attributes>) -> Result<Vec<Shortage>, StorageError> {
    let product = match old {
        // No item returned: the condition failed on stock we could not see.
        None => {
            return Ok(lines
                .iter()
                .map(|line| Shortage {
                    product_id: line.product_id.clone(),
                    sku_id: line.sku_id.clone(),
                    reason: ShortageReason::OutOfStock,
                    available: None,
                })
                .collect());
        }
        Some(item) if item.is_empty() => None,
        Some(item) => Some(product_from(item)?),
    };
    let found: Vec<Shortage> = lines
        .iter()
        .filter_map(|line| Shortage::of(&line.sku_ref(), product.as_ref(), line.quantity))
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    // Every SKU looked sufficient in the old item (a race we cannot see): call them all short.
    Ok(lines
        .iter()
        .map(|line| Shortage {
            product_id: line.product_id.clone(),
            sku_id: line.sku_id.clone(),
            reason: ShortageReason::OutOfStock,
            available: product
                .as_ref()
                .and_then(|p| p.sku(Some(&line.sku_id)).ok())
                .map(|sku| sku.stock.max(0)),
        })
        .collect())
}
