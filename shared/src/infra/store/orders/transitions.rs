//! The single-order moves: paid, reminded, refunding, shipped, a refund flagged or recorded;
//! each one conditional write on the order as it was read.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::super::Store;
use super::super::item::{n, s};
use super::super::keys::{self, attr, field, item_type};
use super::super::transaction::{Outcome, Transaction};
use crate::domain::orders::{Delivery, Order, OrderStatus, Payment};
use crate::domain::reconciliation::ledger::LedgerEntry;
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

use super::*;

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
    Ledger,
}

impl Store {
    /// Marks `order` paid by `payment`, exactly once (conditioned on it still awaiting payment),
    /// takes it out of its user's holdings and files the payment in the money book, in one
    /// transaction.
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
                .set_key(Some(super::super::item::key_attributes(&keys::order(
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
            let entry = LedgerEntry::payment(
                &order.order_id,
                &payment.transaction_id,
                order.total_fen,
                payment.paid_at,
            );
            transaction.push(PayAction::Ledger, self.ledger_put(&entry, CONTEXT)?);
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
    pub(super) fn order_update(&self, order: &Order) -> UpdateItemFluentBuilder {
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
        super::super::item::written(result, "marking the order reminded")
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
            // Never beside after-sales: those refund parts of it under their own numbers.
            .condition_expression("#status = :from AND attribute_not_exists(#after_sales)")
            .expression_attribute_names("#after_sales", field::after_sales::COUNT)
            .send()
            .await;
        super::super::item::written(result, "starting the refund")
    }

    /// Adds `delivery` to `order` and moves it to `to` (SHIPPED once every unit left,
    /// PARTIALLY_SHIPPED before): one UpdateItem conditioned on the order's status and deliveries
    /// being as read, so two shipping calls never both add theirs. False when it changed meanwhile.
    #[tracing::instrument(skip_all)]
    pub async fn add_delivery(
        &self,
        order: &Order,
        delivery: &Delivery,
        to: OrderStatus,
    ) -> Result<bool, StorageError> {
        use field::order as f;
        let mut deliveries = order.deliveries.0.clone();
        deliveries.push(delivery.clone());
        let update = self
            .transition(order, order.status, to)?
            .update_expression("SET #status = :to, #deliveries = :deliveries, #updated = :at")
            .expression_attribute_names("#deliveries", f::DELIVERIES)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_values(":deliveries", s(deliveries_json(&deliveries)))
            .expression_attribute_values(":at", s(delivery.shipped_at.to_string()));
        let update = if order.deliveries.is_empty() {
            update
                .condition_expression(
                    "#status = :from AND attribute_not_exists(#deliveries) AND attribute_not_exists(#carrier)",
                )
                .expression_attribute_names("#carrier", f::CARRIER)
        } else {
            update
                .condition_expression("#status = :from AND #deliveries = :before")
                .expression_attribute_values(":before", s(deliveries_json(&order.deliveries)))
        };
        super::super::item::written(update.send().await, "shipping the order")
    }

    /// Moves a shipped `order` to COMPLETED at `at` (the buyer confirmed receipt): one
    /// conditional UpdateItem. False when it is no longer SHIPPED (completed already, refunded).
    #[tracing::instrument(skip_all)]
    pub async fn complete_order(&self, order: &Order, at: Timestamp) -> Result<bool, StorageError> {
        use field::order as f;
        let result = self
            .transition(order, OrderStatus::Shipped, OrderStatus::Completed)?
            .update_expression("SET #status = :to, #completed = :at, #updated = :at")
            .expression_attribute_names("#completed", f::COMPLETED_AT)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_values(":at", s(at.to_string()))
            .send()
            .await;
        super::super::item::written(result, "completing the order")
    }

    /// Records that WeChat accepted the shipping report of the delivery at `index` (reported in
    /// order): one UpdateItem appending its time, conditioned on the earlier ones being recorded
    /// and not this one. False when it already was.
    #[tracing::instrument(skip_all)]
    pub async fn record_shipping_report(
        &self,
        order: &Order,
        index: usize,
        at: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::order as f;
        let update = self
            .order_update(order)
            .update_expression("SET #reports = list_append(if_not_exists(#reports, :none), :report)")
            .expression_attribute_names("#reports", f::SHIPPING_REPORTS)
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":report", AttributeValue::L(vec![s(at.to_string())]));
        let update = if index == 0 {
            update.condition_expression("attribute_not_exists(#reports)")
        } else {
            update
                .condition_expression("size(#reports) = :earlier")
                .expression_attribute_values(":earlier", n(index))
        };
        super::super::item::written(update.send().await, "recording the shipping report")
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
        super::super::item::written(result, "flagging the refund")
    }

    /// Records a refund asked of WeChat Pay of a payment that arrived when `order` was no longer
    /// payable, and files that payment (of `paid`, at `paid_at`) in the money book: one
    /// transaction of two PutItems. False when the refund was already recorded.
    #[tracing::instrument(skip_all)]
    #[allow(clippy::too_many_arguments)]
    pub async fn record_refund(
        &self,
        out_refund_no: &str,
        order: &Order,
        transaction_id: &str,
        paid: i64,
        paid_at: Timestamp,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::refund as f;
        let mut item = super::super::item::key_attributes(&keys::refund(out_refund_no));
        item.extend([
            (attr::TYPE.to_owned(), s(item_type::REFUND)),
            (f::ORDER_ID.to_owned(), s(order.order_id.as_str())),
            (f::TRANSACTION_ID.to_owned(), s(transaction_id)),
            (f::AMOUNT_FEN.to_owned(), n(paid)),
            (f::REASON.to_owned(), s(reason)),
            (f::CREATED_AT.to_owned(), s(now.to_string())),
        ]);
        const CONTEXT: &str = "recording the refund";
        let built = |e| StorageError::failed(CONTEXT, e);
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(true, TransactWriteItem::builder().put(put).build());
        let entry = LedgerEntry::payment(&order.order_id, transaction_id, paid, paid_at);
        transaction.push(false, self.ledger_put(&entry, CONTEXT)?);
        match transaction.run(self, CONTEXT).await? {
            Outcome::Committed => Ok(true),
            Outcome::Failed(_) => Ok(false),
            Outcome::Conflict => Err(StorageError::unavailable(CONTEXT, "transaction conflict")),
        }
    }
}
