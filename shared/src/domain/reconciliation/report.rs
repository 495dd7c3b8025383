//! A day's reconciliation report: what was compared, the totals of both bills and of our
//! records, and every difference; as JSON (the record) and as CSV (for accountants).

use serde::{Deserialize, Serialize};

use crate::domain::time::Timestamp;

use super::bills::{FundFlowTotals, TradeBill};
use super::ledger::{LedgerEntry, LedgerKind};
use super::matching::{Discrepancy, Side};
use super::money::{FEE, format_fen, format_scaled};

/// The day's totals, in fen (fees of the trade bill in yuan, as it writes them with five decimals).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// The trade bill's successful payments (订单金额).
    pub bill_paid_fen: i64,
    /// The trade bill's successful refunds (申请退款金额).
    pub bill_refunded_fen: i64,
    /// The trade bill's summary: 应结订单总金额, 退款总金额, 手续费总金额.
    pub bill_settled_fen: i64,
    pub bill_refund_settled_fen: i64,
    pub bill_fees_yuan: String,
    /// Our payments and refunds of the day (the money book).
    pub here_paid_fen: i64,
    pub here_refunded_fen: i64,
    /// The fund-flow bill: money in, money out, and of it refunds and fees.
    pub income_fen: i64,
    pub expense_fen: i64,
    pub refunds_fen: i64,
    pub fees_fen: i64,
}

impl Totals {
    /// The totals of `bill`, `fund_flow` and `ledger`.
    pub fn of(bill: &TradeBill, fund_flow: &FundFlowTotals, ledger: &[LedgerEntry]) -> Self {
        let here = |kind| -> i64 {
            ledger
                .iter()
                .filter(|entry| entry.kind == kind)
                .map(|entry| entry.amount_fen)
                .sum()
        };
        Totals {
            bill_paid_fen: bill
                .rows
                .iter()
                .filter(|r| r.is_payment())
                .map(|r| r.total_fen)
                .sum(),
            bill_refunded_fen: bill
                .rows
                .iter()
                .filter_map(|r| r.successful_refund())
                .map(|r| r.requested_fen)
                .sum(),
            bill_settled_fen: bill.summary.settled_fen,
            bill_refund_settled_fen: bill.summary.refunded_fen,
            bill_fees_yuan: format_scaled(bill.summary.fees, FEE),
            here_paid_fen: here(LedgerKind::Payment),
            here_refunded_fen: here(LedgerKind::Refund),
            income_fen: fund_flow.income_fen,
            expense_fen: fund_flow.expense_fen,
            refunds_fen: fund_flow.refunds_fen,
            fees_fen: fund_flow.fees_fen,
        }
    }
}

/// A day's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The Beijing day, `YYYY-MM-DD`.
    pub date: String,
    /// Data rows in the trade bill.
    pub rows: usize,
    /// Rows that matched a payment or refund of ours exactly.
    pub matched: usize,
    pub totals: Totals,
    pub discrepancies: Vec<Discrepancy>,
}

impl Report {
    /// The report as CSV for a spreadsheet: UTF-8 with a byte-order mark, one line per
    /// difference, then the totals.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        out.push_str("差异类型,说明,商户订单号,商户退款单号,我方金额(元),账单金额(元),我方微信订单号,账单微信订单号,账单行,已自动补记,备注\r\n");
        for d in &self.discrepancies {
            let line = d.there.as_ref().and_then(|t| t.line).map(|l| l.to_string());
            let fields = [
                d.kind.as_str().to_owned(),
                d.kind.label().to_owned(),
                d.out_trade_no.clone(),
                d.out_refund_no.clone().unwrap_or_default(),
                Side::yuan(d.here.as_ref()),
                Side::yuan(d.there.as_ref()),
                d.here
                    .as_ref()
                    .and_then(|h| h.transaction_id.clone())
                    .unwrap_or_default(),
                d.there
                    .as_ref()
                    .and_then(|t| t.transaction_id.clone())
                    .unwrap_or_default(),
                line.unwrap_or_default(),
                match d.healed {
                    Some(true) => "是".to_owned(),
                    Some(false) => "否".to_owned(),
                    None => String::new(),
                },
                d.reason.clone().unwrap_or_default(),
            ];
            push_record(&mut out, &fields);
        }
        out.push_str("\r\n");
        let t = &self.totals;
        for (name, value) in [
            ("日期", self.date.clone()),
            ("账单行数", self.rows.to_string()),
            ("已核对", self.matched.to_string()),
            ("差异数", self.discrepancies.len().to_string()),
            ("账单收款(元)", format_fen(t.bill_paid_fen)),
            ("我方收款(元)", format_fen(t.here_paid_fen)),
            ("账单退款(元)", format_fen(t.bill_refunded_fen)),
            ("我方退款(元)", format_fen(t.here_refunded_fen)),
            ("应结订单总金额(元)", format_fen(t.bill_settled_fen)),
            ("退款总金额(元)", format_fen(t.bill_refund_settled_fen)),
            ("手续费总金额(元)", t.bill_fees_yuan.clone()),
            ("资金账单收入(元)", format_fen(t.income_fen)),
            ("资金账单支出(元)", format_fen(t.expense_fen)),
            ("其中退款(元)", format_fen(t.refunds_fen)),
            ("其中手续费(元)", format_fen(t.fees_fen)),
        ] {
            push_record(&mut out, &[name.to_owned(), value]);
        }
        out
    }
}

/// How many discrepancies a summary keeps for the console (the report keeps them all).
pub const SUMMARY_DISCREPANCIES: usize = 100;

/// What the table keeps of a day's report: its figures, its first discrepancies, and where the
/// whole report is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    pub date: String,
    pub rows: usize,
    pub matched: usize,
    /// How many discrepancies the report lists.
    pub discrepancies: usize,
    /// The first [`SUMMARY_DISCREPANCIES`] of them.
    pub first_discrepancies: Vec<Discrepancy>,
    pub totals: Totals,
    /// The report's objects in the bucket: JSON and CSV.
    pub report_key: String,
    pub csv_key: String,
    pub generated_at: Timestamp,
}

impl ReportSummary {
    /// The summary of `report`, stored at `report_key` and `csv_key`.
    pub fn of(report: &Report, report_key: String, csv_key: String, generated_at: Timestamp) -> Self {
        ReportSummary {
            date: report.date.clone(),
            rows: report.rows,
            matched: report.matched,
            discrepancies: report.discrepancies.len(),
            first_discrepancies: report
                .discrepancies
                .iter()
                .take(SUMMARY_DISCREPANCIES)
                .cloned()
                .collect(),
            totals: report.totals.clone(),
            report_key,
            csv_key,
            generated_at,
        }
    }
}

/// Appends one CSV record, quoting what needs it and defusing spreadsheet formulas.
fn push_record(out: &mut String, fields: &[String]) {
    let cells: Vec<String> = fields.iter().map(|field| cell(field)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

fn cell(field: &str) -> String {
    // A value a spreadsheet would run as a formula starts with a quote mark instead.
    let field = if field.starts_with(['=', '+', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// Where the report of `date` is kept in the bucket: its JSON and its CSV.
pub fn report_keys(date: &str) -> (String, String) {
    (
        format!("reconciliation/{date}/report.json"),
        format!("reconciliation/{date}/report.csv"),
    )
}
