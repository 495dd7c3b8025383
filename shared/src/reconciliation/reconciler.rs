//! The day's reconciliation: both bills fetched and checked, every row matched with the money
//! book, the one safe difference healed, and the report kept (the bucket, and a summary in the
//! table). Running a day again replaces its report.

use std::collections::HashMap;

use crate::domain::ids::OrderId;
use crate::domain::orders::Order;
use crate::domain::reconciliation::bills::{
    BillError as MalformedBill, TradeBill, parse_fund_flow_bill, parse_trade_bill,
};
use crate::domain::reconciliation::date::BillDate;
use crate::domain::reconciliation::matching::{self, Discrepancy, Merchant, Unrecorded};
use crate::domain::reconciliation::report::{Report, ReportSummary, Totals, report_keys};
use crate::domain::time::Clock;
use crate::infra::s3::S3Gateway;
use crate::infra::store::{StorageError, Store};
use crate::infra::wechatpay::bills::{BillError, BillKind};
use crate::infra::wechatpay::client::{PayError, WeChatPayClient};
use crate::payments::notices::{NoticeOutcome, PaymentNotices};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::messages::Notifier;

/// Why a day could not be reconciled (nothing is written then).
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A bill could not be had or believed: not ready, unavailable, or its hash does not match.
    #[error(transparent)]
    Bill(#[from] BillError),
    /// A bill is not in the format WeChat Pay documents.
    #[error(transparent)]
    Malformed(#[from] MalformedBill),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Reconciles days against WeChat Pay's bills.
#[derive(Clone)]
pub struct Reconciler {
    store: Store,
    pay: WeChatPayClient,
    bucket: S3Gateway,
    payments: std::sync::Arc<PaymentNotices>,
    clock: Clock,
}

impl Reconciler {
    pub fn new(
        store: Store,
        pay: WeChatPayClient,
        bucket: S3Gateway,
        notifier: Notifier,
        clock: Clock,
    ) -> Self {
        let payments = PaymentNotices::new(store.clone(), pay.clone(), clock.clone(), notifier);
        Self {
            store,
            pay,
            bucket,
            payments: std::sync::Arc::new(payments),
            clock,
        }
    }

    /// The time now, on the reconciler's clock.
    pub fn now(&self) -> crate::domain::time::Timestamp {
        self.clock.now()
    }

    /// Reconciles `date`: two bill applications and downloads (at once), one Query of the day's
    /// money book (a page per ~5,000 entries), one BatchGetItem per 100 rows that match nothing
    /// recorded that day, a query at WeChat Pay per order still awaiting payment, then two
    /// PutObjects and one PutItem. A day without business (no bill) is a clean, empty day.
    #[tracing::instrument(skip(self), fields(date = %date))]
    pub async fn reconcile(&self, date: &BillDate) -> Result<Report, ReconcileError> {
        // Each file is parsed as soon as it arrives and dropped: only the rows stay in memory.
        let trade = async {
            match self.pay.bill(BillKind::Trade, date.as_str()).await? {
                Some(text) => Ok::<_, ReconcileError>(parse_trade_bill(&text)?),
                None => Ok(TradeBill::default()),
            }
        };
        let fund_flow = async {
            match self.pay.bill(BillKind::FundFlow, date.as_str()).await? {
                Some(text) => Ok::<_, ReconcileError>(parse_fund_flow_bill(&text)?),
                None => Ok(Default::default()),
            }
        };
        let (bill, fund_flow) = tokio::join!(trade, fund_flow);
        let (bill, fund_flow) = (bill?, fund_flow?);
        let ledger = self.store.ledger_of_day(date.as_str()).await?;
        let merchant = Merchant {
            mchid: self.pay.mchid(),
            appid: self.pay.appid(),
        };
        let mut day = matching::match_day(&bill, &ledger, merchant);
        let orders = self.orders_of(&bill, &day.unrecorded).await?;
        for &index in &day.unrecorded {
            let row = &bill.rows[index];
            let order = OrderId::parse(&row.out_trade_no).and_then(|id| orders.get(&id));
            match matching::judge_unrecorded(row, order) {
                Unrecorded::Recorded => day.matched += 1,
                Unrecorded::Differs {
                    mut discrepancy,
                    healable,
                } => {
                    if healable {
                        self.heal(&mut discrepancy).await;
                    }
                    day.discrepancies.push(*discrepancy);
                }
            }
        }
        matching::sort(&mut day.discrepancies);
        let report = Report {
            date: date.as_str().to_owned(),
            rows: bill.rows.len(),
            matched: day.matched,
            totals: Totals::of(&bill, &fund_flow, &ledger),
            discrepancies: day.discrepancies,
        };
        drop(bill);
        self.keep(&report).await?;
        Ok(report)
    }

    /// The orders of the rows at `indexes` that exist, by id.
    async fn orders_of(
        &self,
        bill: &TradeBill,
        indexes: &[usize],
    ) -> Result<HashMap<OrderId, Order>, StorageError> {
        let mut ids: Vec<OrderId> = indexes
            .iter()
            .filter_map(|&i| OrderId::parse(&bill.rows[i].out_trade_no))
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let orders = self.store.get_orders(&ids).await?;
        Ok(orders
            .into_iter()
            .map(|order| (order.order_id.clone(), order))
            .collect())
    }

    /// An order we hold as awaiting payment that the bill shows paid: WeChat Pay is asked, and
    /// a payment it confirms is applied through the notifications' own path (so exactly once,
    /// its subscribe message included). Whatever happens, the difference stays in the report.
    async fn heal(&self, discrepancy: &mut Discrepancy) {
        let out_trade_no = discrepancy.out_trade_no.clone();
        let outcome = match self.pay.query_payment(&out_trade_no).await {
            Ok(Some(notice)) => self
                .payments
                .apply_payment(&notice, "reconciliation")
                .await
                .map_err(|e| crate::runtime::error::chain(&e)),
            Ok(None) => Err("WeChat Pay does not confirm the payment".to_owned()),
            Err(err @ PayError::Unavailable { .. }) => Err(crate::runtime::error::chain(&err)),
            Err(err) => Err(err.to_string()),
        };
        match outcome {
            Ok(NoticeOutcome::Paid { .. }) => {
                tracing::warn!(order = %out_trade_no, "reconciliation: a payment we missed is applied");
                discrepancy.healed = Some(true);
            }
            Ok(outcome) => {
                discrepancy.healed = Some(false);
                discrepancy.reason = Some(format!("not applied: {outcome:?}"));
            }
            Err(reason) => {
                tracing::error!(order = %out_trade_no, reason, "reconciliation: a payment could not be applied");
                discrepancy.healed = Some(false);
                discrepancy.reason = Some(format!("not applied: {reason}"));
            }
        }
    }

    /// Writes the report to the bucket (JSON and CSV) and its summary to the table, replacing
    /// the day's previous ones.
    async fn keep(&self, report: &Report) -> Result<(), StorageError> {
        let (json_key, csv_key) = report_keys(&report.date);
        let json =
            serde_json::to_vec_pretty(report).map_err(|e| StorageError::failed("writing the report", e))?;
        self.bucket.put(&json_key, json, "application/json").await?;
        self.bucket
            .put(&csv_key, report.to_csv().into_bytes(), "text/csv; charset=utf-8")
            .await?;
        let summary = ReportSummary::of(report, json_key, csv_key, self.clock.now());
        self.store.save_reconciliation(&summary).await
    }
}

impl Build for Reconciler {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Reconciler::new(
            startup.store(),
            startup.wechat_pay(false).await?,
            startup.s3_gateway()?,
            Notifier::build(startup).await?,
            startup.clock(),
        ))
    }
}
