//! Matching a day's bill with the day's money book: every bill row to a payment or refund of
//! ours, and every payment or refund of ours that day to a row; each difference classified.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::bills::{TradeBill, TradeRow};
use super::ledger::{LedgerEntry, LedgerKind};
use super::money::format_fen;
use crate::domain::closed_set;
use crate::domain::orders::{Order, OrderStatus};

closed_set! {
    /// The kinds of difference between the bill and our records.
    pub enum DiscrepancyKind {
        /// A successful payment for an order we do not have, or do not have as paid that day.
        PaidThereNotHere = "paid_there_not_here",
        /// An order we have paid that day that the bill does not show.
        PaidHereNotThere = "paid_here_not_there",
        /// The same `out_trade_no`, a different total.
        AmountMismatch = "amount_mismatch",
        /// A successful refund we do not have as refunded that day.
        RefundThereNotHere = "refund_there_not_here",
        /// A refund we have as succeeded that day that the bill does not show.
        RefundHereNotThere = "refund_here_not_there",
        /// The same `out_refund_no`, a different amount.
        RefundAmountMismatch = "refund_amount_mismatch",
    }
}

impl DiscrepancyKind {
    /// What it means, for an accountant reading the CSV.
    pub fn label(self) -> &'static str {
        match self {
            Self::PaidThereNotHere => "微信支付有收款，我方无此已付订单",
            Self::PaidHereNotThere => "我方已收款，账单无此笔",
            Self::AmountMismatch => "订单金额不一致",
            Self::RefundThereNotHere => "微信支付有退款，我方无此退款",
            Self::RefundHereNotThere => "我方已退款，账单无此笔",
            Self::RefundAmountMismatch => "退款金额不一致",
        }
    }
}

/// What one side (our records, or the bill) says of a payment or refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    pub amount_fen: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// When it succeeded (ours: RFC 3339 UTC; the bill's: its 交易时间, Beijing time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Our order's status, when the order exists but is not recorded as paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The bill's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl Side {
    fn here(entry: &LedgerEntry) -> Self {
        Side {
            amount_fen: entry.amount_fen,
            transaction_id: entry.transaction_id.clone(),
            at: Some(entry.at.to_string()),
            status: None,
            line: None,
        }
    }

    fn there(row: &TradeRow, amount_fen: i64) -> Self {
        Side {
            amount_fen,
            transaction_id: Some(row.transaction_id.clone()).filter(|t| !t.is_empty()),
            at: Some(row.traded_at.clone()),
            status: None,
            line: Some(row.line),
        }
    }

    /// Amount in yuan, for the CSV.
    pub fn yuan(side: Option<&Side>) -> String {
        side.map(|s| format_fen(s.amount_fen)).unwrap_or_default()
    }
}

/// One difference between the bill and our records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discrepancy {
    pub kind: DiscrepancyKind,
    pub out_trade_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    pub here: Option<Side>,
    pub there: Option<Side>,
    /// Set on a payment we held as pending and applied once WeChat Pay confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healed: Option<bool>,
    /// Why, when the kind alone does not say: a row of another merchant or app, a repeated row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The merchant and app every row must belong to.
#[derive(Debug, Clone, Copy)]
pub struct Merchant<'a> {
    pub mchid: &'a str,
    pub appid: &'a str,
}

/// The first pass: what matched, what differs, and which payment rows match no payment we
/// recorded that day (their orders are looked at next, see [`judge_unrecorded`]).
#[derive(Debug, Default)]
pub struct DayMatch {
    pub matched: usize,
    pub discrepancies: Vec<Discrepancy>,
    /// Indexes into the bill's rows.
    pub unrecorded: Vec<usize>,
}

/// Matches `bill` with `ledger` (the day's payments and refunds of ours).
pub fn match_day(bill: &TradeBill, ledger: &[LedgerEntry], merchant: Merchant<'_>) -> DayMatch {
    let mut payments: HashMap<&str, &LedgerEntry> = HashMap::new();
    let mut refunds: HashMap<&str, &LedgerEntry> = HashMap::new();
    for entry in ledger {
        match entry.kind {
            LedgerKind::Payment => payments.insert(entry.out_trade_no.as_str(), entry),
            LedgerKind::Refund => refunds.insert(entry.number(), entry),
        };
    }
    let mut seen: HashSet<(LedgerKind, &str)> = HashSet::new();
    let mut day = DayMatch::default();
    for (index, row) in bill.rows.iter().enumerate() {
        let foreign = if row.mchid != merchant.mchid {
            Some(format!("the row is of merchant {}", row.mchid))
        } else if row.appid != merchant.appid {
            Some(format!("the row is of app {}", row.appid))
        } else {
            None
        };
        if row.is_payment() {
            let key = (LedgerKind::Payment, row.out_trade_no.as_str());
            let repeated = seen
                .contains(&key)
                .then(|| "a second payment row of this order".to_owned());
            let there = || Some(Side::there(row, row.total_fen));
            match (foreign.or(repeated), payments.get(row.out_trade_no.as_str())) {
                (Some(reason), _) => day.discrepancies.push(Discrepancy {
                    kind: DiscrepancyKind::PaidThereNotHere,
                    out_trade_no: row.out_trade_no.clone(),
                    out_refund_no: None,
                    here: None,
                    there: there(),
                    healed: None,
                    reason: Some(reason),
                }),
                (None, Some(entry)) => {
                    seen.insert(key);
                    if entry.amount_fen == row.total_fen {
                        day.matched += 1;
                    } else {
                        day.discrepancies.push(Discrepancy {
                            kind: DiscrepancyKind::AmountMismatch,
                            out_trade_no: row.out_trade_no.clone(),
                            out_refund_no: None,
                            here: Some(Side::here(entry)),
                            there: there(),
                            healed: None,
                            reason: None,
                        });
                    }
                }
                (None, None) => day.unrecorded.push(index),
            }
        } else if let Some(refund) = row.successful_refund() {
            let key = (LedgerKind::Refund, refund.out_refund_no.as_str());
            let repeated = seen
                .contains(&key)
                .then(|| "a second row of this refund".to_owned());
            let entry = refunds.get(refund.out_refund_no.as_str());
            let kind = match (&foreign, &repeated, entry) {
                (None, None, Some(entry)) if entry.amount_fen == refund.requested_fen => None,
                (None, None, Some(_)) => Some(DiscrepancyKind::RefundAmountMismatch),
                _ => Some(DiscrepancyKind::RefundThereNotHere),
            };
            if foreign.is_none() && repeated.is_none() && entry.is_some() {
                seen.insert(key);
            }
            match kind {
                None => day.matched += 1,
                Some(kind) => day.discrepancies.push(Discrepancy {
                    kind,
                    out_trade_no: row.out_trade_no.clone(),
                    out_refund_no: Some(refund.out_refund_no.clone()),
                    here: entry
                        .filter(|_| kind == DiscrepancyKind::RefundAmountMismatch)
                        .map(|entry| Side::here(entry)),
                    there: Some(Side::there(row, refund.requested_fen)),
                    healed: None,
                    reason: foreign.or(repeated),
                }),
            }
        }
    }
    for entry in ledger {
        if seen.contains(&(entry.kind, entry.number())) {
            continue;
        }
        let kind = match entry.kind {
            LedgerKind::Payment => DiscrepancyKind::PaidHereNotThere,
            LedgerKind::Refund => DiscrepancyKind::RefundHereNotThere,
        };
        day.discrepancies.push(Discrepancy {
            kind,
            out_trade_no: entry.out_trade_no.clone(),
            out_refund_no: entry.out_refund_no.clone(),
            here: Some(Side::here(entry)),
            there: None,
            healed: None,
            reason: None,
        });
    }
    day
}

/// What a payment row that matches no payment recorded that day means, given its order as it
/// stands (`None`: we have no such order).
#[derive(Debug, PartialEq, Eq)]
pub enum Unrecorded {
    /// The order holds this very payment (recorded before the money book, or on another day):
    /// nothing to report.
    Recorded,
    /// A difference to report; `healable` when the order still awaits payment, so that a
    /// payment WeChat Pay confirms can be applied to it.
    Differs {
        discrepancy: Box<Discrepancy>,
        healable: bool,
    },
}

/// Judges a payment row no payment of the day matched, against its order.
pub fn judge_unrecorded(row: &TradeRow, order: Option<&Order>) -> Unrecorded {
    let there = Some(Side::there(row, row.total_fen));
    let discrepancy = |kind, here: Option<Side>| Discrepancy {
        kind,
        out_trade_no: row.out_trade_no.clone(),
        out_refund_no: None,
        here,
        there: there.clone(),
        healed: None,
        reason: None,
    };
    let Some(order) = order else {
        return Unrecorded::Differs {
            discrepancy: Box::new(discrepancy(DiscrepancyKind::PaidThereNotHere, None)),
            healable: false,
        };
    };
    let payment = order
        .payment
        .as_ref()
        .filter(|payment| payment.transaction_id == row.transaction_id);
    let here = Side {
        amount_fen: order.total_fen,
        transaction_id: order.payment.as_ref().map(|p| p.transaction_id.clone()),
        at: order.payment.as_ref().map(|p| p.paid_at.to_string()),
        status: Some(order.status.as_str().to_owned()),
        line: None,
    };
    match payment {
        Some(_) if order.total_fen == row.total_fen => Unrecorded::Recorded,
        Some(_) => Unrecorded::Differs {
            discrepancy: Box::new(discrepancy(DiscrepancyKind::AmountMismatch, Some(here))),
            healable: false,
        },
        None => Unrecorded::Differs {
            healable: order.status == OrderStatus::PendingPayment && order.total_fen == row.total_fen,
            discrepancy: Box::new(discrepancy(DiscrepancyKind::PaidThereNotHere, Some(here))),
        },
    }
}

/// Sorts discrepancies for reading: by kind, then order, then refund.
pub fn sort(discrepancies: &mut [Discrepancy]) {
    discrepancies.sort_by(|a, b| {
        (a.kind.as_str(), &a.out_trade_no, &a.out_refund_no).cmp(&(
            b.kind.as_str(),
            &b.out_trade_no,
            &b.out_refund_no,
        ))
    });
}
