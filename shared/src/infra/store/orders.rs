//! Orders and idempotency records in the table. An order, its stock decrements and its
//! idempotency record are written in one transaction: all or nothing.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::catalog::product_from;
use super::item::{Attributes, Item, n, s};
use super::keys::{self, attr, field, index, item_type};
use super::pages::{Cursors, Listing};
use super::transaction::{Outcome, Transaction};
use super::{Read, Store};
use crate::domain::catalog::{Product, ProductStatus};
use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::orders::{
    Carrier, HoldingLimits, Holdings, Order, OrderLine, OrderStatus, Payment, Prepay, Shipment, Shortage,
    ShortageReason, TrackingNo,
};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

/// What an idempotency key was used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// SHA-256 of the key scoped to its user.
    pub digest: String,
    pub order_id: OrderId,
    /// SHA-256 of the request the key was first used for.
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
    /// The user would hold more unpaid orders or units than allowed: what they hold.
    Held(Holdings),
    /// Another transaction touched the same items, or the order id was taken: safe to retry.
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

/// The actions of the order-creating transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CreateAction {
    Record,
    Order,
    Holdings,
    Stock(ProductId),
}

/// The actions of the cancelling transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CancelAction {
    Order,
    Release,
    Restock(ProductId),
}

/// Refuses a transition the domain's table does not list (a bug, caught before any write).
fn allowed(from: OrderStatus, to: OrderStatus) -> Result<(), StorageError> {
    if from.can_become(to) {
        Ok(())
    } else {
        Err(StorageError::failed(
            "changing the order's status",
            format!("{from} -> {to} is not a transition of an order"),
        ))
    }
}

/// How an order is closed with its stock put back.
#[derive(Debug, Clone, Copy)]
struct Restocking {
    from: OrderStatus,
    to: OrderStatus,
    /// The attribute that records when.
    at: &'static str,
    /// Whether the order still counts in its user's holdings (an unpaid one does).
    release_holdings: bool,
}

/// An unpaid order cancelled (by its owner or the expiry sweep).
const CANCEL: Restocking = Restocking {
    from: OrderStatus::PendingPayment,
    to: OrderStatus::Cancelled,
    at: field::order::CANCELLED_AT,
    release_holdings: true,
};

/// A refunded order: the refund succeeded.
const REFUND: Restocking = Restocking {
    from: OrderStatus::Refunding,
    to: OrderStatus::Refunded,
    at: field::order::REFUNDED_AT,
    release_holdings: false,
};

/// What a cancelling transaction leaves out after a first attempt showed it cannot apply.
#[derive(Debug, Default)]
struct Skip {
    /// Products deleted since the order: their stock is not restored.
    products: HashSet<ProductId>,
    /// The user's holdings were never counted for this order (placed before the caps existed).
    release: bool,
}

impl Store {
    /// The products of an order and the idempotency record, in one BatchGetItem.
    #[tracing::instrument(skip_all)]
    pub async fn load_for_order(
        &self,
        ids: &[&ProductId],
        idempotency_digest: &str,
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
        let now = Timestamp::now();
        Ok((products, record.filter(|r| r.expires_at > now)))
    }

    /// The idempotency record, read consistently; an expired one counts as absent.
    #[tracing::instrument(skip_all)]
    pub async fn get_idempotency(&self, digest: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
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
        for line in &order.items {
            let update = self
                .stock_update(&line.product_id, -line.quantity, now)
                .condition_expression("#status = :on_sale AND #stock >= :take")
                .expression_attribute_names("#status", field::product::STATUS)
                .expression_attribute_values(":on_sale", s(ProductStatus::OnSale.as_str()))
                .expression_attribute_values(":take", n(line.quantity))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(built)?;
            transaction.push(
                CreateAction::Stock(line.product_id.clone()),
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
                    let quantity = order
                        .items
                        .iter()
                        .find(|line| line.product_id == product_id)
                        .map_or(0, |line| line.quantity);
                    shortages.push(shortage(&product_id, quantity, old.as_ref())?);
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
    /// `max_pending_orders` unpaid orders, and at most `max_units_per_product` units of each product.
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
            .set_key(Some(super::item::key_attributes(&keys::holdings(
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
                .expression_attribute_names(format!("#u{i}"), f::units(line.product_id.as_str()))
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
    fn release(&self, order: &Order) -> Result<Update, aws_sdk_dynamodb::error::BuildError> {
        use field::holdings as f;
        let mut adds = vec!["#pending :minus_one".to_owned()];
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(super::item::key_attributes(&keys::holdings(
                order.openid.as_str(),
            ))))
            .expression_attribute_names("#pending", f::PENDING_ORDERS)
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":one", n(1));
        for (i, line) in order.items.iter().enumerate() {
            adds.push(format!("#u{i} :less{i}"));
            update = update
                .expression_attribute_names(format!("#u{i}"), f::units(line.product_id.as_str()))
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
        super::item::written(result, "storing the prepay")
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
        self.restock_order(order, CANCEL, now).await
    }

    /// Completes a refund: REFUNDING -> REFUNDED with the stock put back unless the order was
    /// shipped, in one transaction conditioned on the order still refunding: stock is never
    /// restored twice.
    #[tracing::instrument(skip_all)]
    pub async fn complete_refund(
        &self,
        order: &Order,
        now: Timestamp,
    ) -> Result<CancelOutcome, StorageError> {
        self.restock_order(order, REFUND, now).await
    }

    /// Moves `order` as `how` says and puts its stock back (products deleted since are skipped).
    async fn restock_order(
        &self,
        order: &Order,
        how: Restocking,
        now: Timestamp,
    ) -> Result<CancelOutcome, StorageError> {
        allowed(how.from, how.to)?;
        let mut skip = Skip {
            release: !how.release_holdings,
            ..Skip::default()
        };
        if order.shipment.is_some() {
            // The goods left the warehouse: whatever comes back is restocked by hand.
            skip.products = order.items.iter().map(|l| l.product_id.clone()).collect();
        }
        loop {
            let transaction = self.cancel_transaction(order, how, now, &skip)?;
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

    fn cancel_transaction(
        &self,
        order: &Order,
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
        for line in order
            .items
            .iter()
            .filter(|l| !skip.products.contains(&l.product_id))
        {
            let restock = self
                .stock_update(&line.product_id, line.quantity, now)
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(built)?;
            transaction.push(
                CancelAction::Restock(line.product_id.clone()),
                TransactWriteItem::builder().update(restock).build(),
            );
        }
        Ok(transaction)
    }

    /// `stock += delta` on a product (conditions are the caller's).
    fn stock_update(
        &self,
        product_id: &ProductId,
        delta: i64,
        now: Timestamp,
    ) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        let key = keys::product(product_id.as_str());
        Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .update_expression("SET #stock = #stock + :delta, #updated = :now")
            .expression_attribute_names("#stock", field::product::STOCK)
            .expression_attribute_names("#updated", field::product::UPDATED_AT)
            .expression_attribute_values(":delta", n(delta))
            .expression_attribute_values(":now", s(now.to_string()))
    }
}

/// How marking an order paid ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidOutcome {
    Paid,
    /// The order was no longer awaiting payment: read it again.
    AlreadyChanged,
    Conflict,
}

/// The actions of the paying transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayAction {
    Order,
    Release,
}

impl Store {
    /// Marks `order` paid by `payment`, exactly once (conditioned on it still awaiting payment), and
    /// takes it out of its user's holdings, in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn mark_paid(&self, order: &Order, payment: &Payment) -> Result<PaidOutcome, StorageError> {
        use field::order as f;
        const CONTEXT: &str = "marking the order paid";
        allowed(OrderStatus::PendingPayment, OrderStatus::Paid)?;
        let built = |e| StorageError::failed(CONTEXT, e);
        let mut release = true;
        loop {
            let update = Update::builder()
                .table_name(self.table())
                .set_key(Some(super::item::key_attributes(&keys::order(
                    order.order_id.as_str(),
                ))))
                .update_expression(
                    "SET #status = :paid, #txn = :txn, #paid_at = :at, #updated = :at REMOVE #unpaid, #unpaid_at",
                )
                .expression_attribute_names("#unpaid", attr::GSI2PK)
                .expression_attribute_names("#unpaid_at", attr::GSI2SK)
                .condition_expression("#status = :pending")
                .expression_attribute_names("#status", f::STATUS)
                .expression_attribute_names("#txn", f::TRANSACTION_ID)
                .expression_attribute_names("#paid_at", f::PAID_AT)
                .expression_attribute_names("#updated", f::UPDATED_AT)
                .expression_attribute_values(":paid", s(OrderStatus::Paid.as_str()))
                .expression_attribute_values(":pending", s(OrderStatus::PendingPayment.as_str()))
                .expression_attribute_values(":txn", s(&payment.transaction_id))
                .expression_attribute_values(":at", s(payment.paid_at.to_string()))
                .build()
                .map_err(built)?;
            let mut transaction = Transaction::new();
            transaction.push(
                PayAction::Order,
                TransactWriteItem::builder().update(update).build(),
            );
            if release {
                transaction.push(
                    PayAction::Release,
                    TransactWriteItem::builder()
                        .update(self.release(order).map_err(built)?)
                        .build(),
                );
            }
            let failed = match transaction.run(self, CONTEXT).await? {
                Outcome::Committed => return Ok(PaidOutcome::Paid),
                Outcome::Conflict => return Ok(PaidOutcome::Conflict),
                Outcome::Failed(failed) => failed,
            };
            if failed.iter().any(|(action, _)| *action == PayAction::Order) {
                return Ok(PaidOutcome::AlreadyChanged);
            }
            if !release {
                return Err(StorageError::failed(CONTEXT, "the payment could not be recorded"));
            }
            // Placed before the holdings were counted: record the payment without releasing them.
            release = false;
        }
    }

    /// An UpdateItem of `order`'s item: the caller adds its expressions and conditions.
    fn order_update(&self, order: &Order) -> UpdateItemFluentBuilder {
        self.update(&keys::order(order.order_id.as_str()))
    }

    /// Records that `order`'s owner was reminded to pay, if it still awaits payment and nobody
    /// reminded them yet: one conditional UpdateItem. False otherwise (send nothing).
    #[tracing::instrument(skip_all)]
    pub async fn mark_reminded(&self, order: &Order, now: Timestamp) -> Result<bool, StorageError> {
        use field::order as f;
        let result = self
            .order_update(order)
            .update_expression("SET #reminded = :now")
            .condition_expression("#status = :pending AND attribute_not_exists(#reminded)")
            .expression_attribute_names("#status", f::STATUS)
            .expression_attribute_names("#reminded", f::REMINDED_AT)
            .expression_attribute_values(":pending", s(OrderStatus::PendingPayment.as_str()))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        super::item::written(result, "marking the order reminded")
    }

    /// An UpdateItem of `order` conditioned on its status still being `from`, with `#status`,
    /// `:from` and `:to` bound (the move checked against the domain's table first): the caller sets
    /// `#status = :to` and whatever goes with it, and sends it.
    fn transition(
        &self,
        order: &Order,
        from: OrderStatus,
        to: OrderStatus,
    ) -> Result<UpdateItemFluentBuilder, StorageError> {
        allowed(from, to)?;
        Ok(self
            .order_update(order)
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", field::order::STATUS)
            .expression_attribute_values(":from", s(from.as_str()))
            .expression_attribute_values(":to", s(to.as_str())))
    }

    /// Moves a paid or shipped `order` to REFUNDING at `now` and queues it for the sweep: one
    /// conditional UpdateItem. False when the order was no longer as read (changed meanwhile).
    #[tracing::instrument(skip_all)]
    pub async fn start_refund(&self, order: &Order, now: Timestamp) -> Result<bool, StorageError> {
        use field::order as f;
        let now = now.to_string();
        let result = self
            .transition(order, order.status, OrderStatus::Refunding)?
            .update_expression(
                "SET #status = :to, #at = :now, #updated = :now, #queue = :queue, #position = :position",
            )
            .expression_attribute_names("#at", f::REFUND_REQUESTED_AT)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_names("#queue", attr::GSI2PK)
            .expression_attribute_names("#position", attr::GSI2SK)
            .expression_attribute_values(":queue", s(keys::REFUNDING))
            .expression_attribute_values(
                ":position",
                s(keys::queue_position(&now, order.order_id.as_str())),
            )
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        super::item::written(result, "starting the refund")
    }

    /// Moves a paid `order` to SHIPPED with `shipment`: one conditional UpdateItem. False when the
    /// order was no longer paid (changed meanwhile).
    #[tracing::instrument(skip_all)]
    pub async fn ship_order(&self, order: &Order, shipment: &Shipment) -> Result<bool, StorageError> {
        use field::order as f;
        let at = shipment.shipped_at.to_string();
        let result = self
            .transition(order, OrderStatus::Paid, OrderStatus::Shipped)?
            .update_expression(
                "SET #status = :to, #carrier = :carrier, #tracking = :tracking, #at = :at, #updated = :at",
            )
            .expression_attribute_names("#carrier", f::CARRIER)
            .expression_attribute_names("#tracking", f::TRACKING_NO)
            .expression_attribute_names("#at", f::SHIPPED_AT)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_values(":carrier", s(shipment.carrier.as_str()))
            .expression_attribute_values(":tracking", s(shipment.tracking_no.as_str()))
            .expression_attribute_values(":at", s(at))
            .send()
            .await;
        super::item::written(result, "shipping the order")
    }

    /// Records that WeChat accepted the shipping report of a shipped order: one UpdateItem,
    /// conditioned on the order having shipped.
    #[tracing::instrument(skip_all)]
    pub async fn record_shipping_report(&self, order: &Order, at: Timestamp) -> Result<bool, StorageError> {
        use field::order as f;
        let result = self
            .order_update(order)
            .update_expression("SET #reported = :at")
            .condition_expression("attribute_exists(#carrier)")
            .expression_attribute_names("#reported", f::SHIPPING_REPORTED_AT)
            .expression_attribute_names("#carrier", f::CARRIER)
            .expression_attribute_values(":at", s(at.to_string()))
            .send()
            .await;
        super::item::written(result, "recording the shipping report")
    }

    /// Records on a refunding order how WeChat Pay ended its refund without success (`ABNORMAL`,
    /// `CLOSED`), moving it from the sweep's queue to the operator's: one conditional UpdateItem,
    /// false when the order is no longer refunding.
    #[tracing::instrument(skip_all)]
    pub async fn flag_refund(
        &self,
        order: &Order,
        issue: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::order as f;
        let result = self
            .order_update(order)
            .update_expression(
                "SET #issue = :issue, #updated = :now, #queue = :issues, #position = :position",
            )
            .condition_expression("#status = :refunding")
            .expression_attribute_names("#issue", f::REFUND_ISSUE)
            .expression_attribute_names("#queue", attr::GSI2PK)
            .expression_attribute_names("#position", attr::GSI2SK)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_names("#status", f::STATUS)
            .expression_attribute_values(":issue", s(issue))
            .expression_attribute_values(":issues", s(keys::REFUND_ISSUES))
            .expression_attribute_values(
                ":position",
                s(keys::queue_position(&now.to_string(), order.order_id.as_str())),
            )
            .expression_attribute_values(":now", s(now.to_string()))
            .expression_attribute_values(":refunding", s(OrderStatus::Refunding.as_str()))
            .send()
            .await;
        super::item::written(result, "flagging the refund")
    }

    /// Records a refund asked of WeChat Pay; false when it was already recorded. One PutItem.
    #[tracing::instrument(skip_all)]
    pub async fn record_refund(
        &self,
        out_refund_no: &str,
        order: &Order,
        transaction_id: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::refund as f;
        let mut item = super::item::key_attributes(&keys::refund(out_refund_no));
        item.extend([
            (attr::TYPE.to_owned(), s(item_type::REFUND)),
            (f::ORDER_ID.to_owned(), s(order.order_id.as_str())),
            (f::TRANSACTION_ID.to_owned(), s(transaction_id)),
            (f::AMOUNT_FEN.to_owned(), n(order.total_fen)),
            (f::REASON.to_owned(), s(reason)),
            (f::CREATED_AT.to_owned(), s(now.to_string())),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        super::item::written(result, "recording the refund")
    }
}

impl Store {
    /// Up to `limit` orders still awaiting payment whose deadline is before `before`, oldest
    /// first: one Query on the sparse GSI2 partition of unpaid orders (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn overdue_orders(&self, before: Timestamp, limit: i32) -> Result<Vec<Order>, StorageError> {
        self.queued_orders(keys::UNPAID, before, limit).await
    }

    /// Up to `limit` orders whose refund was asked before `before` and has not ended, oldest
    /// first: one Query on the sparse GSI2 partition of refunding orders (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn stalled_refunds(&self, before: Timestamp, limit: i32) -> Result<Vec<Order>, StorageError> {
        self.queued_orders(keys::REFUNDING, before, limit).await
    }

    /// Up to `limit` orders whose refund WeChat Pay ended without success, oldest first: one Query
    /// on the sparse GSI2 partition of refund issues (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn refund_issues(&self, limit: i32) -> Result<Vec<Order>, StorageError> {
        let end_of_time = Timestamp::from_epoch_secs(253_402_300_799)
            .ok_or_else(|| StorageError::failed("finding refund issues", "no end of time"))?;
        self.queued_orders(keys::REFUND_ISSUES, end_of_time, limit).await
    }

    async fn queued_orders(
        &self,
        queue: &str,
        before: Timestamp,
        limit: i32,
    ) -> Result<Vec<Order>, StorageError> {
        let output = self
            .client
            .query()
            .table_name(self.table())
            .index_name(index::GSI2)
            .key_condition_expression("#pk = :pk AND #sk < :before")
            .expression_attribute_names("#pk", attr::GSI2PK)
            .expression_attribute_names("#sk", attr::GSI2SK)
            .expression_attribute_values(":pk", s(queue))
            .expression_attribute_values(":before", s(before.to_string()))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("finding queued orders", e))?;
        output.items().iter().map(order_from).collect()
    }
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
        let held = item
            .opt_n::<i64>(&field::holdings::units(line.product_id.as_str()))?
            .unwrap_or(0);
        if held + line.quantity > limits.max_units_per_product {
            units.push((line.product_id.clone(), held));
        }
    }
    Ok(Holdings {
        pending_orders,
        units,
    })
}

/// Why a product's condition failed, from the item as it was (ALL_OLD).
fn shortage(
    product_id: &ProductId,
    quantity: i64,
    old: Option<&Attributes>,
) -> Result<Shortage, StorageError> {
    let product = match old {
        // No item returned: the condition failed on stock we could not see.
        None => {
            return Ok(Shortage {
                product_id: product_id.clone(),
                reason: ShortageReason::OutOfStock,
                available: None,
            });
        }
        Some(item) if item.is_empty() => None,
        Some(item) => Some(product_from(item)?),
    };
    Ok(
        Shortage::of(product_id, product.as_ref(), quantity).unwrap_or(Shortage {
            product_id: product_id.clone(),
            reason: ShortageReason::OutOfStock,
            available: product.map(|p| p.stock.max(0)),
        }),
    )
}

fn record_item(record: &IdempotencyRecord) -> Attributes {
    let key = keys::idempotency(&record.digest);
    HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(item_type::IDEMPOTENCY)),
        (
            field::idempotency::ORDER_ID.to_owned(),
            s(record.order_id.as_str()),
        ),
        (field::idempotency::FINGERPRINT.to_owned(), s(&record.fingerprint)),
        (attr::TTL.to_owned(), n(record.expires_at.epoch_secs())),
    ])
}

fn record_from(attributes: &Attributes) -> Result<IdempotencyRecord, StorageError> {
    let item = Item(attributes);
    let pk = item.s(attr::PK)?;
    Ok(IdempotencyRecord {
        digest: keys::Key::id_of(&pk, &keys::idempotency(""))
            .ok_or_else(|| super::item::corrupt(attr::PK))?
            .to_owned(),
        order_id: item.parsed(field::idempotency::ORDER_ID, OrderId::parse)?,
        fingerprint: item.s(field::idempotency::FINGERPRINT)?,
        expires_at: Timestamp::from_epoch_secs(item.n::<i64>(attr::TTL)?)
            .ok_or_else(|| super::item::corrupt(attr::TTL))?,
    })
}

fn order_item(order: &Order) -> Attributes {
    use field::order as f;
    let key = keys::order(order.order_id.as_str());
    let created_at = order.created_at.to_string();
    let lines = order
        .items
        .iter()
        .map(|line| {
            AttributeValue::M(HashMap::from([
                (f::LINE_PRODUCT_ID.to_owned(), s(line.product_id.as_str())),
                (f::LINE_NAME.to_owned(), s(&line.name)),
                (f::LINE_PRICE_FEN.to_owned(), n(line.price_fen)),
                (f::LINE_QUANTITY.to_owned(), n(line.quantity)),
                (f::LINE_SUBTOTAL_FEN.to_owned(), n(line.subtotal_fen)),
            ]))
        })
        .collect();
    let mut item = HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(item_type::ORDER)),
        (
            attr::GSI1PK.to_owned(),
            s(keys::user_orders(order.openid.as_str())),
        ),
        (
            attr::GSI1SK.to_owned(),
            s(keys::order_position(&created_at, order.order_id.as_str())),
        ),
        (f::ORDER_ID.to_owned(), s(order.order_id.as_str())),
        (f::OPENID.to_owned(), s(order.openid.as_str())),
        (f::STATUS.to_owned(), s(order.status.as_str())),
        (f::ITEMS.to_owned(), AttributeValue::L(lines)),
        (f::TOTAL_FEN.to_owned(), n(order.total_fen)),
        (f::CREATED_AT.to_owned(), s(created_at)),
        (f::UPDATED_AT.to_owned(), s(order.updated_at.to_string())),
        (f::PAY_BY.to_owned(), s(order.pay_by.to_string())),
    ]);
    if order.status == OrderStatus::PendingPayment {
        let pay_by = order.pay_by.to_string();
        item.insert(attr::GSI2PK.to_owned(), s(keys::UNPAID));
        item.insert(
            attr::GSI2SK.to_owned(),
            s(keys::queue_position(&pay_by, order.order_id.as_str())),
        );
    }
    if let Some(remark) = &order.remark {
        item.insert(f::REMARK.to_owned(), s(remark));
    }
    if order.remark_unchecked {
        item.insert(f::REMARK_UNCHECKED.to_owned(), AttributeValue::Bool(true));
    }
    item
}

fn order_from(attributes: &Attributes) -> Result<Order, StorageError> {
    use field::order as f;
    let item = Item(attributes);
    let lines = match attributes.get(f::ITEMS) {
        Some(AttributeValue::L(lines)) => lines
            .iter()
            .map(|line| {
                let map = line.as_m().map_err(|_| super::item::corrupt(f::ITEMS))?;
                let line = Item(map);
                Ok(OrderLine {
                    product_id: line.parsed(f::LINE_PRODUCT_ID, ProductId::parse)?,
                    name: line.s(f::LINE_NAME)?,
                    price_fen: line.n(f::LINE_PRICE_FEN)?,
                    quantity: line.n(f::LINE_QUANTITY)?,
                    subtotal_fen: line.n(f::LINE_SUBTOTAL_FEN)?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?,
        _ => return Err(super::item::corrupt(f::ITEMS)),
    };
    Ok(Order {
        order_id: item.parsed(f::ORDER_ID, OrderId::parse)?,
        openid: item.parsed(f::OPENID, Openid::parse)?,
        status: item.parsed(f::STATUS, OrderStatus::parse)?,
        items: lines,
        total_fen: item.n(f::TOTAL_FEN)?,
        remark: item.opt_s(f::REMARK),
        reminded: item.0.contains_key(f::REMINDED_AT),
        remark_unchecked: item
            .0
            .get(f::REMARK_UNCHECKED)
            .is_some_and(|v| v == &AttributeValue::Bool(true)),
        created_at: item.time(f::CREATED_AT)?,
        updated_at: item.time(f::UPDATED_AT)?,
        pay_by: item.time(f::PAY_BY)?,
        cancelled_at: item.opt_time(f::CANCELLED_AT)?,
        payment: match (item.opt_s(f::TRANSACTION_ID), item.opt_time(f::PAID_AT)?) {
            (Some(transaction_id), Some(paid_at)) => Some(Payment {
                transaction_id,
                paid_at,
            }),
            _ => None,
        },
        prepay: match (item.opt_s(f::PREPAY_ID), item.opt_time(f::PREPAY_EXPIRES_AT)?) {
            (Some(id), Some(expires_at)) => Some(Prepay { id, expires_at }),
            _ => None,
        },
        refund_issue: item.opt_s(f::REFUND_ISSUE),
        shipment: match item.opt_s(f::CARRIER) {
            Some(_) => Some(Shipment {
                carrier: item.parsed(f::CARRIER, Carrier::parse)?,
                tracking_no: item.parsed(f::TRACKING_NO, TrackingNo::parse)?,
                shipped_at: item.time(f::SHIPPED_AT)?,
                reported_at: item.opt_time(f::SHIPPING_REPORTED_AT)?,
            }),
            None => None,
        },
    })
}
