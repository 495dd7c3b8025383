//! Decisions on after-sales requests in the table: each one transaction of the request's move
//! (conditioned on its state as read) with what it does to the order's refund ledger and, for a
//! return received, to the stock.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::super::Store;
use super::super::item::{n, s};
use super::super::keys::{self, attr, field};
use super::super::transaction::{Outcome, Transaction};
use super::after_sales::{position_of, queue_of, restocked};
use super::*;
use crate::domain::after_sales::{AfterSales, AfterSalesStatus};

const CONTEXT: &str = "recording the decision";

/// What a decision's transaction writes: the request and the order (a failed condition: either
/// changed meanwhile), or a product's stock (a failed condition: the product is gone).
#[derive(Debug)]
enum Decided {
    Ledger,
    Restock(ProductId),
}

impl Store {
    /// Records `after`, a decision of `before` (its state as read): one TransactWriteItems of the
    /// request (conditioned on its state as read) and, unless it stays waiting (APPROVED for a
    /// return), the order's ledger: a refund started reserves its money (never past what was
    /// paid), a rejection or cancellation gives its units back; either way the order no longer
    /// waits on it. False when either changed meanwhile.
    /// Returned goods of a product deleted since are not restocked (the decision is recorded all
    /// the same).
    #[tracing::instrument(skip_all)]
    pub async fn decide_after_sales(
        &self,
        order: &Order,
        before: &AfterSales,
        after: &AfterSales,
    ) -> Result<bool, StorageError> {
        let mut skipped = HashSet::new();
        loop {
            let transaction = self.decision(order, before, after, &skipped)?;
            let failed = match transaction.run(self, CONTEXT).await? {
                Outcome::Committed => return Ok(true),
                Outcome::Conflict => return Ok(false),
                Outcome::Failed(failed) => failed,
            };
            let mut progress = false;
            for (action, _) in failed {
                match action {
                    Decided::Ledger => return Ok(false),
                    Decided::Restock(product_id) => {
                        tracing::warn!(product = %product_id, "not restocking a product that no longer exists");
                        progress |= skipped.insert(product_id);
                    }
                }
            }
            if !progress {
                return Err(StorageError::failed(
                    CONTEXT,
                    "a restock failed twice for the same product",
                ));
            }
        }
    }

    /// The transaction of a decision, restocking none of `skipped`'s products.
    fn decision(
        &self,
        order: &Order,
        before: &AfterSales,
        after: &AfterSales,
        skipped: &HashSet<ProductId>,
    ) -> Result<Transaction<Decided>, StorageError> {
        use field::after_sales as f;
        let built = |e| StorageError::failed(CONTEXT, e);
        let key = keys::after_sales(before.order_id.as_str(), before.number);
        let mut sets = vec!["#state = :to", "#updated = :now", "#amount = :amount"];
        let mut entry = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .condition_expression("#state = :from")
            .expression_attribute_names("#state", f::STATUS)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_names("#amount", f::AMOUNT_FEN)
            .expression_attribute_names("#queue", attr::GSI2PK)
            .expression_attribute_names("#position", attr::GSI2SK)
            .expression_attribute_values(":from", s(before.status.as_str()))
            .expression_attribute_values(":to", s(after.status.as_str()))
            .expression_attribute_values(":now", s(after.updated_at.to_string()))
            .expression_attribute_values(":amount", n(after.amount_fen))
            .expression_attribute_values(":queue", s(queue_of(after.status)))
            .expression_attribute_values(":position", s(position_of(after, after.updated_at)));
        sets.extend(["#queue = :queue", "#position = :position"]);
        if let Some(reason) = &after.reject_reason {
            sets.push("#reject = :reject");
            entry = entry
                .expression_attribute_names("#reject", f::REJECT_REASON)
                .expression_attribute_values(":reject", s(reason));
        }
        if let Some(parcel) = &after.return_parcel {
            sets.extend([
                "#return_carrier = :return_carrier",
                "#return_tracking = :return_tracking",
            ]);
            entry = entry
                .expression_attribute_names("#return_carrier", f::RETURN_CARRIER)
                .expression_attribute_names("#return_tracking", f::RETURN_TRACKING_NO)
                .expression_attribute_values(":return_carrier", s(parcel.carrier.as_str()))
                .expression_attribute_values(":return_tracking", s(parcel.tracking_no.as_str()));
        }
        if after.lines != before.lines {
            sets.push("#lines = :lines");
            entry = entry
                .expression_attribute_names("#lines", f::LINES)
                .expression_attribute_values(
                    ":lines",
                    s(serde_json::to_string(&after.lines).unwrap_or_default()),
                );
        }
        let entry = entry
            .update_expression(format!("SET {}", sets.join(", ")))
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push(
            Decided::Ledger,
            TransactWriteItem::builder().update(entry).build(),
        );
        if after.status == AfterSalesStatus::ReturnReceived {
            // The goods are back: into their SKUs' stock, once (with the state's move).
            let back: Vec<OrderLine> = before
                .lines
                .iter()
                .filter(|line| !skipped.contains(&line.product_id))
                .map(|line| restocked(order, line))
                .collect();
            for (product_id, lines) in checkout::by_product(&back) {
                transaction.push(
                    Decided::Restock(product_id.clone()),
                    self.restock(product_id, &lines, after.updated_at, CONTEXT)?,
                );
            }
        }
        let touches_ledger = matches!(
            after.status,
            AfterSalesStatus::Refunding | AfterSalesStatus::Rejected | AfterSalesStatus::Cancelled
        );
        if touches_ledger {
            let order_key = keys::order(order.order_id.as_str());
            let mut sets = vec!["#updated = :now".to_owned()];
            let mut conditions = vec!["#open = :number".to_owned()];
            let mut update = Update::builder()
                .table_name(self.table())
                .key(attr::PK, s(order_key.pk))
                .key(attr::SK, s(order_key.sk))
                .expression_attribute_names("#open", f::OPEN)
                .expression_attribute_names("#updated", field::order::UPDATED_AT)
                .expression_attribute_values(":number", n(before.number))
                .expression_attribute_values(":now", s(after.updated_at.to_string()));
            if after.status == AfterSalesStatus::Refunding {
                sets.push("#fen = if_not_exists(#fen, :zero) + :amount".to_owned());
                conditions.push("(attribute_not_exists(#fen) OR #fen <= :fen_room)".to_owned());
                update = update
                    .expression_attribute_names("#fen", f::REFUNDED_FEN)
                    .expression_attribute_values(":zero", n(0))
                    .expression_attribute_values(":amount", n(after.amount_fen))
                    .expression_attribute_values(":fen_room", n(order.total_fen - after.amount_fen));
                for (i, line) in after.lines.iter().enumerate().filter(|(_, line)| line.restock) {
                    sets.push(format!("#w{i} = if_not_exists(#w{i}, :zero) + :q{i}"));
                    update = update
                        .expression_attribute_names(format!("#w{i}"), f::withheld(&line.sku_ref()))
                        .expression_attribute_values(format!(":q{i}"), n(line.quantity));
                }
            } else {
                for (i, line) in after.lines.iter().enumerate() {
                    sets.push(format!("#u{i} = #u{i} - :q{i}"));
                    update = update
                        .expression_attribute_names(format!("#u{i}"), f::units(&line.sku_ref()))
                        .expression_attribute_values(format!(":q{i}"), n(line.quantity));
                }
            }
            let update = update
                .update_expression(format!("SET {} REMOVE #open", sets.join(", ")))
                .condition_expression(conditions.join(" AND "))
                .build()
                .map_err(built)?;
            transaction.push(
                Decided::Ledger,
                TransactWriteItem::builder().update(update).build(),
            );
        }
        Ok(transaction)
    }
}
