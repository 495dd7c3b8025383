//! After-sales requests in the table: each an item in its order's partition (one Query lists an
//! order's), opened in one transaction with the order's refund ledger, whose conditions keep the
//! units asked within what was bought and the money refunded within what was paid, however many
//! requests race; and a refund's end applied once, its units put back when they never left.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::super::item::{Attributes, Item, n, s};
use super::super::keys::{self, attr, field, item_type};
use super::super::queues_pages::Partition;
use super::super::transaction::{Outcome, Transaction};
use super::super::{Read, Store};
use super::*;
use crate::domain::after_sales::{
    AfterSales, AfterSalesKind, AfterSalesLine, AfterSalesStatus, ReturnParcel,
};
use crate::domain::catalog::SkuRef;
use crate::domain::orders::RefundLedger;
use crate::domain::paging::Position;
use crate::domain::reconciliation::ledger::LedgerEntry;

/// The actions of the transaction that ends a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EndAction {
    Request,
    Order,
    Restock(ProductId),
    /// The refund filed in the money book (unconditional: it never fails).
    Ledger,
}

impl Store {
    /// Records `entry` on `order`: one TransactWriteItems of the order's ledger (the request's
    /// number next, no other request open, each SKU's units within what was bought, the money of
    /// a refund started at once within what was paid) and the request. False when the order
    /// changed meanwhile: read it again and judge again.
    #[tracing::instrument(skip_all)]
    pub async fn open_after_sales(&self, order: &Order, entry: &AfterSales) -> Result<bool, StorageError> {
        use field::after_sales as f;
        const CONTEXT: &str = "recording the after-sales request";
        let built = |e| StorageError::failed(CONTEXT, e);
        let refunding = entry.status == AfterSalesStatus::Refunding;
        let mut sets = vec!["#count = :number".to_owned(), "#updated = :now".to_owned()];
        let mut conditions = vec!["#status IN (:paid, :partial, :shipped, :completed)".to_owned()];
        // A buyer's request waits its turn; an operator's own refund needs nobody's.
        if !entry.by_operator {
            conditions.push("attribute_not_exists(#open)".to_owned());
        }
        let key = keys::order(order.order_id.as_str());
        let mut update = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .expression_attribute_names("#count", f::COUNT)
            .expression_attribute_names("#status", field::order::STATUS)
            .expression_attribute_names("#updated", field::order::UPDATED_AT)
            .expression_attribute_values(":number", n(entry.number))
            .expression_attribute_values(":now", s(entry.created_at.to_string()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":paid", s(OrderStatus::Paid.as_str()))
            .expression_attribute_values(":partial", s(OrderStatus::PartiallyShipped.as_str()))
            .expression_attribute_values(":shipped", s(OrderStatus::Shipped.as_str()))
            .expression_attribute_values(":completed", s(OrderStatus::Completed.as_str()));
        if order.refunds.count == 0 {
            conditions.push("attribute_not_exists(#count)".to_owned());
        } else {
            conditions.push("#count = :before".to_owned());
            update = update.expression_attribute_values(":before", n(order.refunds.count));
        }
        if entry.status.is_open() {
            sets.push("#open = :number".to_owned());
        }
        if entry.status.is_open() || !entry.by_operator {
            update = update.expression_attribute_names("#open", f::OPEN);
        }
        if refunding {
            sets.push("#fen = if_not_exists(#fen, :zero) + :amount".to_owned());
            conditions.push("(attribute_not_exists(#fen) OR #fen <= :fen_room)".to_owned());
            update = update
                .expression_attribute_names("#fen", f::REFUNDED_FEN)
                .expression_attribute_values(":amount", n(entry.amount_fen))
                .expression_attribute_values(":fen_room", n(order.total_fen - entry.amount_fen));
        }
        for (i, line) in entry.lines.iter().enumerate() {
            let bought = order
                .items
                .iter()
                .find(|l| l.sku_ref() == line.sku_ref())
                .map_or(0, |l| l.quantity);
            sets.push(format!("#u{i} = if_not_exists(#u{i}, :zero) + :q{i}"));
            conditions.push(format!("(attribute_not_exists(#u{i}) OR #u{i} <= :room{i})"));
            update = update
                .expression_attribute_names(format!("#u{i}"), f::units(&line.sku_ref()))
                .expression_attribute_values(format!(":q{i}"), n(line.quantity))
                .expression_attribute_values(format!(":room{i}"), n(bought - line.quantity));
            if refunding && line.restock {
                sets.push(format!("#w{i} = if_not_exists(#w{i}, :zero) + :q{i}"));
                update = update.expression_attribute_names(format!("#w{i}"), f::withheld(&line.sku_ref()));
            }
        }
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(conditions.join(" AND "))
            .build()
            .map_err(built)?;
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(after_sales_item(entry)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push((), TransactWriteItem::builder().update(update).build());
        transaction.push((), TransactWriteItem::builder().put(put).build());
        Ok(matches!(
            transaction.run(self, CONTEXT).await?,
            Outcome::Committed
        ))
    }

    /// An order's after-sales requests, oldest first: one Query of its partition.
    #[tracing::instrument(skip_all)]
    pub async fn after_sales_of(&self, order_id: &OrderId) -> Result<Vec<AfterSales>, StorageError> {
        const CONTEXT: &str = "listing the after-sales requests";
        let output = self
            .client
            .query()
            .table_name(self.table())
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#sk", attr::SK)
            .expression_attribute_values(":pk", s(keys::order(order_id.as_str()).pk))
            .expression_attribute_values(":prefix", s(keys::AFTER_SALES_PREFIX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk(CONTEXT, e))?;
        output.items().iter().map(after_sales_from).collect()
    }

    /// Up to `limit` requests whose refund was asked before `before` and has not ended, oldest
    /// first: one Query on their sparse GSI2 queue (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn stalled_after_sales(
        &self,
        before: Timestamp,
        limit: i32,
    ) -> Result<Vec<AfterSales>, StorageError> {
        let output = self
            .client
            .query()
            .table_name(self.table())
            .index_name(keys::index::GSI2)
            .key_condition_expression("#pk = :pk AND #sk < :before")
            .expression_attribute_names("#pk", attr::GSI2PK)
            .expression_attribute_names("#sk", attr::GSI2SK)
            .expression_attribute_values(":pk", s(queue_of(AfterSalesStatus::Refunding)))
            .expression_attribute_values(":before", s(before.to_string()))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("finding stalled after-sales refunds", e))?;
        output.items().iter().map(after_sales_from).collect()
    }

    /// Up to `limit` requests in `status`, oldest first, after the queue position `after` (the
    /// `next` of the previous page): one Query on the state's GSI2 queue (no Scan). Answers the
    /// requests and, when there may be more, the position to go on from.
    #[tracing::instrument(skip_all)]
    pub async fn after_sales_in(
        &self,
        status: AfterSalesStatus,
        after: Option<&Position>,
        limit: i32,
    ) -> Result<(Vec<AfterSales>, Option<String>), StorageError> {
        let partition = Partition {
            index: Some(keys::index::GSI2),
            pk: attr::GSI2PK,
            sk: attr::GSI2SK,
            value: queue_of(status),
        };
        let query = self.queue_query(&partition, after, limit);
        self.queue_page(
            query,
            attr::GSI2SK,
            after_sales_from,
            "listing after-sales requests",
        )
        .await
    }

    /// One after-sales request, read consistently.
    #[tracing::instrument(skip_all)]
    pub async fn get_after_sales(
        &self,
        order_id: &OrderId,
        number: u32,
    ) -> Result<Option<AfterSales>, StorageError> {
        let item = self
            .get(
                &keys::after_sales(order_id.as_str(), number),
                Read::Consistent,
                "loading the after-sales request",
            )
            .await?;
        item.as_ref().map(after_sales_from).transpose()
    }

    /// Ends the refund of `entry` as WeChat Pay reported it, once: SUCCESS moves it REFUNDING ->
    /// REFUNDED in one transaction with the order's confirmed money (the order REFUNDED once
    /// everything paid came back) and its units put back when they never left (products deleted
    /// since are skipped); ABNORMAL or CLOSED moves it to FAILED with the status, for an
    /// operator. A success is filed in the money book, in the same transaction, under
    /// `succeeded_at` (when WeChat Pay says it succeeded). False when it had already ended, or the
    /// order changed meanwhile (read again).
    #[tracing::instrument(skip_all)]
    pub async fn end_after_sales_refund(
        &self,
        order: &Order,
        entry: &AfterSales,
        status: &str,
        now: Timestamp,
        succeeded_at: Timestamp,
    ) -> Result<bool, StorageError> {
        if status != "SUCCESS" {
            return self.fail_after_sales_refund(entry, status, now).await;
        }
        const CONTEXT: &str = "ending the refund";
        let built = |e| StorageError::failed(CONTEXT, e);
        let mut skipped: HashSet<ProductId> = HashSet::new();
        loop {
            let mut transaction = Transaction::new();
            transaction.push(
                EndAction::Request,
                TransactWriteItem::builder()
                    .update(
                        self.request_update(entry, AfterSalesStatus::Refunded, now)
                            .update_expression(
                                "SET #state = :to, #updated = :now, #refunded = :now REMOVE #queue, #position",
                            )
                            .expression_attribute_names("#refunded", field::after_sales::REFUNDED_AT)
                            .build()
                            .map_err(built)?,
                    )
                    .build(),
            );
            transaction.push(
                EndAction::Order,
                TransactWriteItem::builder()
                    .update(self.confirm_refund(order, entry, now).build().map_err(built)?)
                    .build(),
            );
            let money = LedgerEntry::refund(
                &order.order_id,
                &entry.refund_number(),
                entry.amount_fen,
                succeeded_at,
            );
            transaction.push(EndAction::Ledger, self.ledger_put(&money, CONTEXT)?);
            let back: Vec<OrderLine> = entry
                .lines
                .iter()
                .filter(|line| line.restock && !skipped.contains(&line.product_id))
                .map(|line| restocked(order, line))
                .collect();
            for (product_id, lines) in checkout::by_product(&back) {
                transaction.push(
                    EndAction::Restock(product_id.clone()),
                    self.restock(product_id, &lines, now, CONTEXT)?,
                );
            }
            let failed = match transaction.run(self, CONTEXT).await? {
                Outcome::Committed => return Ok(true),
                Outcome::Conflict => return Ok(false),
                Outcome::Failed(failed) => failed,
            };
            let mut progress = false;
            for (action, _) in failed {
                match action {
                    EndAction::Request | EndAction::Order => return Ok(false),
                    EndAction::Ledger => {}
                    EndAction::Restock(product_id) => {
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

    /// REFUNDING -> FAILED with WeChat Pay's status, queued for an operator (rare: a
    /// transaction of one write, to share the request's update).
    async fn fail_after_sales_refund(
        &self,
        entry: &AfterSales,
        status: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        const CONTEXT: &str = "recording the failed refund";
        let issue: String = status
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        let update = self
            .request_update(entry, AfterSalesStatus::Failed, now)
            .update_expression(
                "SET #state = :to, #updated = :now, #issue = :issue, #queue = :queue, #position = :position",
            )
            .expression_attribute_names("#issue", field::after_sales::REFUND_ISSUE)
            .expression_attribute_values(":issue", s(issue))
            .expression_attribute_values(":queue", s(queue_of(AfterSalesStatus::Failed)))
            .expression_attribute_values(":position", s(position_of(entry, now)))
            .build()
            .map_err(|e| StorageError::failed(CONTEXT, e))?;
        let mut transaction = Transaction::new();
        transaction.push((), TransactWriteItem::builder().update(update).build());
        Ok(matches!(
            transaction.run(self, CONTEXT).await?,
            Outcome::Committed
        ))
    }

    /// The update of `entry` to `to`, conditioned on it being as read (REFUNDING, or FAILED when
    /// WeChat Pay later reports the refund succeeded).
    fn request_update(
        &self,
        entry: &AfterSales,
        to: AfterSalesStatus,
        now: Timestamp,
    ) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        let key = keys::after_sales(entry.order_id.as_str(), entry.number);
        Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .condition_expression("#state = :from")
            .expression_attribute_names("#state", field::after_sales::STATUS)
            .expression_attribute_names("#updated", field::after_sales::UPDATED_AT)
            .expression_attribute_names("#queue", attr::GSI2PK)
            .expression_attribute_names("#position", attr::GSI2SK)
            .expression_attribute_values(":from", s(entry.status.as_str()))
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":now", s(now.to_string()))
    }

    /// The order's confirmed refunds grow by `entry`'s amount, conditioned on them being as read
    /// (two refunds ending at once never both miss the last one); REFUNDED once they reach the
    /// total.
    fn confirm_refund(
        &self,
        order: &Order,
        entry: &AfterSales,
        now: Timestamp,
    ) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        use field::after_sales as f;
        let key = keys::order(order.order_id.as_str());
        let before = order.refunds.succeeded_fen;
        let everything = before + entry.amount_fen >= order.total_fen;
        let mut sets = vec!["#succeeded = :after".to_owned(), "#updated = :now".to_owned()];
        let update = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .expression_attribute_names("#succeeded", f::SUCCEEDED_FEN)
            .expression_attribute_names("#updated", field::order::UPDATED_AT)
            .expression_attribute_values(":after", n(before + entry.amount_fen))
            .expression_attribute_values(":now", s(now.to_string()));
        let update = if before == 0 {
            update.condition_expression("attribute_not_exists(#succeeded)")
        } else {
            update
                .condition_expression("#succeeded = :before")
                .expression_attribute_values(":before", n(before))
        };
        if everything {
            sets.push("#status = :refunded".to_owned());
            sets.push("#refunded_at = :now".to_owned());
            return update
                .expression_attribute_names("#status", field::order::STATUS)
                .expression_attribute_names("#refunded_at", field::order::REFUNDED_AT)
                .expression_attribute_values(":refunded", s(OrderStatus::Refunded.as_str()))
                .update_expression(format!("SET {}", sets.join(", ")));
        }
        update.update_expression(format!("SET {}", sets.join(", ")))
    }
}

/// The order line `line` puts back, with only its units.
pub(super) fn restocked(order: &Order, line: &AfterSalesLine) -> OrderLine {
    let sku = line.sku_ref();
    let bought = order.items.iter().find(|l| l.sku_ref() == sku);
    OrderLine {
        product_id: line.product_id.clone(),
        sku_id: line.sku_id.clone(),
        spec_values: bought.map(|l| l.spec_values.clone()).unwrap_or_default(),
        name: bought.map(|l| l.name.clone()).unwrap_or_default(),
        price_fen: bought.map_or(0, |l| l.price_fen),
        quantity: line.quantity,
        subtotal_fen: line.amount_fen,
    }
}

/// The operators' queue of requests in `status` (GSI2).
pub(super) fn queue_of(status: AfterSalesStatus) -> String {
    format!("AFTERSALES#{}", status.as_str())
}

pub(super) fn position_of(entry: &AfterSales, at: Timestamp) -> String {
    format!("{at}#{}#{:05}", entry.order_id, entry.number)
}

fn after_sales_item(entry: &AfterSales) -> Attributes {
    use field::after_sales as f;
    let key = keys::after_sales(entry.order_id.as_str(), entry.number);
    // Lines are plain data: they always serialise.
    let lines = serde_json::to_string(&entry.lines).unwrap_or_default();
    let mut item = HashMap::from([
        (attr::PK.to_owned(), s(key.pk)),
        (attr::SK.to_owned(), s(key.sk)),
        (attr::TYPE.to_owned(), s(item_type::AFTER_SALES)),
        (f::ORDER_ID.to_owned(), s(entry.order_id.as_str())),
        (f::NUMBER.to_owned(), n(entry.number)),
        (f::KIND.to_owned(), s(entry.kind.as_str())),
        (f::STATUS.to_owned(), s(entry.status.as_str())),
        (f::LINES.to_owned(), s(lines)),
        (f::AMOUNT_FEN.to_owned(), n(entry.amount_fen)),
        (f::REASON.to_owned(), s(&entry.reason)),
        (f::CREATED_AT.to_owned(), s(entry.created_at.to_string())),
        (f::UPDATED_AT.to_owned(), s(entry.updated_at.to_string())),
        (attr::GSI2PK.to_owned(), s(queue_of(entry.status))),
        (attr::GSI2SK.to_owned(), s(position_of(entry, entry.created_at))),
    ]);
    if entry.by_operator {
        item.insert(f::BY_OPERATOR.to_owned(), AttributeValue::Bool(true));
    }
    if !entry.photos.is_empty() {
        item.insert(
            f::PHOTOS.to_owned(),
            AttributeValue::L(entry.photos.iter().map(s).collect()),
        );
    }
    item
}

fn after_sales_from(attributes: &Attributes) -> Result<AfterSales, StorageError> {
    use field::after_sales as f;
    let item = Item(attributes);
    let lines =
        serde_json::from_str(&item.s(f::LINES)?).map_err(|_| super::super::item::corrupt(f::LINES))?;
    let photos = match attributes.get(f::PHOTOS) {
        Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        _ => Vec::new(),
    };
    Ok(AfterSales {
        order_id: item.parsed(f::ORDER_ID, OrderId::parse)?,
        number: item.n(f::NUMBER)?,
        kind: item.parsed(f::KIND, AfterSalesKind::parse)?,
        status: item.parsed(f::STATUS, AfterSalesStatus::parse)?,
        lines,
        amount_fen: item.n(f::AMOUNT_FEN)?,
        reason: item.s(f::REASON)?,
        photos,
        created_at: item.time(f::CREATED_AT)?,
        updated_at: item.time(f::UPDATED_AT)?,
        refunded_at: item.opt_time(f::REFUNDED_AT)?,
        refund_issue: item.opt_s(f::REFUND_ISSUE),
        reject_reason: item.opt_s(f::REJECT_REASON),
        by_operator: attributes
            .get(f::BY_OPERATOR)
            .is_some_and(|v| v == &AttributeValue::Bool(true)),
        return_parcel: match item.opt_s(f::RETURN_CARRIER) {
            Some(_) => Some(ReturnParcel {
                carrier: item.parsed(f::RETURN_CARRIER, Carrier::parse)?,
                tracking_no: item.parsed(f::RETURN_TRACKING_NO, TrackingNo::parse)?,
            }),
            None => None,
        },
    })
}

/// An order's refund ledger, from its item.
pub(super) fn ledger_from(attributes: &Attributes) -> Result<RefundLedger, StorageError> {
    use field::after_sales as f;
    let item = Item(attributes);
    let per_sku = |prefix: &str| -> Vec<(SkuRef, i64)> {
        attributes
            .iter()
            .filter_map(|(name, value)| {
                let (product, sku) = name.strip_prefix(prefix)?.split_once('#')?;
                let sku = SkuRef {
                    product_id: ProductId::parse(product)?,
                    sku_id: SkuId::parse(sku)?,
                };
                Some((sku, value.as_n().ok()?.parse().ok()?))
            })
            .collect()
    };
    Ok(RefundLedger {
        refunded_fen: item.opt_n(f::REFUNDED_FEN)?.unwrap_or(0),
        succeeded_fen: item.opt_n(f::SUCCEEDED_FEN)?.unwrap_or(0),
        units: per_sku(f::UNITS_PREFIX),
        withheld: per_sku(f::WITHHELD_PREFIX),
        count: item.opt_n(f::COUNT)?.unwrap_or(0),
        open: item.opt_n(f::OPEN)?,
    })
}
