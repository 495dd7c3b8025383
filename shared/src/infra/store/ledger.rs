//! The money book (one item per payment and refund, by Beijing day) and the summaries of the
//! days' reconciliations.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::Store;
use super::item::{Attributes, Item, corrupt, key_attributes, n, s};
use super::keys::{self, attr, field, index, item_type};
use crate::domain::paging::Position;
use crate::domain::reconciliation::ledger::{LedgerEntry, LedgerKind};
use crate::domain::reconciliation::report::ReportSummary;
use crate::infra::storage::StorageError;

/// The item of `entry`.
fn ledger_item(entry: &LedgerEntry) -> Attributes {
    use field::ledger as f;
    let mut item = key_attributes(&keys::ledger(&entry.day(), entry.kind.as_str(), entry.number()));
    item.extend([
        (attr::TYPE.to_owned(), s(item_type::LEDGER)),
        (f::KIND.to_owned(), s(entry.kind.as_str())),
        (f::OUT_TRADE_NO.to_owned(), s(&entry.out_trade_no)),
        (f::AMOUNT_FEN.to_owned(), n(entry.amount_fen)),
        (f::AT.to_owned(), s(entry.at.to_string())),
    ]);
    if let Some(number) = &entry.out_refund_no {
        item.insert(f::OUT_REFUND_NO.to_owned(), s(number));
    }
    if let Some(transaction) = &entry.transaction_id {
        item.insert(f::TRANSACTION_ID.to_owned(), s(transaction));
    }
    item
}

fn ledger_from(item: &Attributes) -> Result<LedgerEntry, StorageError> {
    use field::ledger as f;
    let item = Item(item);
    Ok(LedgerEntry {
        kind: item.parsed(f::KIND, LedgerKind::parse)?,
        out_trade_no: item.s(f::OUT_TRADE_NO)?,
        out_refund_no: item.opt_s(f::OUT_REFUND_NO),
        transaction_id: item.opt_s(f::TRANSACTION_ID),
        amount_fen: item.n(f::AMOUNT_FEN)?,
        at: item.time(f::AT)?,
    })
}

impl Store {
    /// The transaction item that files `entry` in the money book. Unconditional: the key is the
    /// payment's order or the refund's number, so writing it again writes the same item.
    pub(super) fn ledger_put(
        &self,
        entry: &LedgerEntry,
        context: &str,
    ) -> Result<TransactWriteItem, StorageError> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(ledger_item(entry)))
            .build()
            .map_err(|e| StorageError::failed(context, e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Files `entry` in the money book on its own: one PutItem (a refund of a payment that was
    /// never an order's, whose end changes no order).
    #[tracing::instrument(skip_all)]
    pub async fn record_ledger(&self, entry: &LedgerEntry) -> Result<(), StorageError> {
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(ledger_item(entry)))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("filing the money book", e))?;
        Ok(())
    }

    /// Files many entries at once (imports and benchmarks): one BatchWriteItem per 25.
    pub async fn file_ledger(&self, entries: &[LedgerEntry]) -> Result<(), StorageError> {
        self.batch_put(entries.iter().map(ledger_item).collect(), "filing the money book")
            .await
    }

    /// Every payment and refund filed under `day`: one consistent Query per shard, all at once,
    /// each a page (up to 1 MB, some 5,000 entries) at a time.
    #[tracing::instrument(skip_all)]
    pub async fn ledger_of_day(&self, day: &str) -> Result<Vec<LedgerEntry>, StorageError> {
        let shards = keys::ledger_day(day);
        let shards =
            futures::future::try_join_all(shards.iter().map(|shard| self.ledger_shard(shard))).await?;
        Ok(shards.into_iter().flatten().collect())
    }

    /// Every entry of one shard of a day's money book.
    async fn ledger_shard(&self, partition: &str) -> Result<Vec<LedgerEntry>, StorageError> {
        const CONTEXT: &str = "reading the money book";
        let mut entries = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(self.table())
                .key_condition_expression("#pk = :shard")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_values(":shard", s(partition))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StorageError::from_sdk(CONTEXT, e))?;
            for item in output.items() {
                entries.push(ledger_from(item)?);
            }
            match output.last_evaluated_key {
                Some(last) if !last.is_empty() => start = Some(last),
                _ => return Ok(entries),
            }
        }
    }

    /// Saves the summary of a day's reconciliation, replacing the day's previous one: one PutItem.
    #[tracing::instrument(skip_all)]
    pub async fn save_reconciliation(&self, summary: &ReportSummary) -> Result<(), StorageError> {
        use field::reconciliation as f;
        const CONTEXT: &str = "saving the reconciliation";
        let first = serde_json::to_string(&summary.first_discrepancies)
            .map_err(|e| StorageError::failed(CONTEXT, e))?;
        let totals = serde_json::to_string(&summary.totals).map_err(|e| StorageError::failed(CONTEXT, e))?;
        let mut item = key_attributes(&keys::reconciliation(&summary.date));
        item.extend([
            (attr::TYPE.to_owned(), s(item_type::RECONCILIATION)),
            (attr::GSI1PK.to_owned(), s(keys::RECONCILIATIONS)),
            (attr::GSI1SK.to_owned(), s(&summary.date)),
            (f::DATE.to_owned(), s(&summary.date)),
            (f::ROWS.to_owned(), n(summary.rows)),
            (f::MATCHED.to_owned(), n(summary.matched)),
            (f::DISCREPANCIES.to_owned(), n(summary.discrepancies)),
            (f::FIRST_DISCREPANCIES.to_owned(), s(first)),
            (f::TOTALS.to_owned(), s(totals)),
            (f::REPORT_KEY.to_owned(), s(&summary.report_key)),
            (f::CSV_KEY.to_owned(), s(&summary.csv_key)),
            (f::GENERATED_AT.to_owned(), s(summary.generated_at.to_string())),
        ]);
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk(CONTEXT, e))?;
        Ok(())
    }

    /// The summary of the reconciliation of `day`, if it ran: one GetItem.
    #[tracing::instrument(skip_all)]
    pub async fn reconciliation(&self, day: &str) -> Result<Option<ReportSummary>, StorageError> {
        let item = self
            .get(
                &keys::reconciliation(day),
                super::Read::Eventual,
                "reading a reconciliation",
            )
            .await?;
        item.as_ref().map(summary_from).transpose()
    }

    /// Reconciliation summaries, newest day first, before `before` (the previous page's last
    /// day): one Query of GSI1. Answers the page and the day the next one starts before.
    #[tracing::instrument(skip_all)]
    pub async fn reconciliations(
        &self,
        before: Option<&Position>,
        limit: i32,
    ) -> Result<(Vec<ReportSummary>, Option<String>), StorageError> {
        let query = self
            .client
            .query()
            .table_name(self.table())
            .index_name(index::GSI1)
            .expression_attribute_names("#pk", attr::GSI1PK)
            .expression_attribute_values(":pk", s(keys::RECONCILIATIONS))
            .scan_index_forward(false)
            .limit(limit);
        let query = match before {
            Some(before) => query
                .key_condition_expression("#pk = :pk AND #sk < :before")
                .expression_attribute_names("#sk", attr::GSI1SK)
                .expression_attribute_values(":before", s(before.as_str())),
            None => query.key_condition_expression("#pk = :pk"),
        };
        self.queue_page(query, attr::GSI1SK, summary_from, "listing reconciliations")
            .await
    }
}

fn summary_from(item: &Attributes) -> Result<ReportSummary, StorageError> {
    use field::reconciliation as f;
    let item = Item(item);
    let json = |name: &str| -> Result<serde_json::Value, StorageError> {
        serde_json::from_str(&item.s(name)?).map_err(|_| corrupt(name))
    };
    Ok(ReportSummary {
        date: item.s(f::DATE)?,
        rows: item.n(f::ROWS)?,
        matched: item.n(f::MATCHED)?,
        discrepancies: item.n(f::DISCREPANCIES)?,
        first_discrepancies: serde_json::from_value(json(f::FIRST_DISCREPANCIES)?)
            .map_err(|_| corrupt(f::FIRST_DISCREPANCIES))?,
        totals: serde_json::from_value(json(f::TOTALS)?).map_err(|_| corrupt(f::TOTALS))?,
        report_key: item.s(f::REPORT_KEY)?,
        csv_key: item.s(f::CSV_KEY)?,
        generated_at: item.time(f::GENERATED_AT)?,
    })
}
