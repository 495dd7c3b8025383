//! The money book: one entry for each payment and each refund the moment it is final here
//! (written in the same transaction that marks the order paid or the refund ended), filed under
//! the Beijing day WeChat Pay says it happened on. A day's entries are what reconciliation
//! compares with that day's bill.

use serde::{Deserialize, Serialize};

use crate::domain::closed_set;
use crate::domain::ids::OrderId;
use crate::domain::time::Timestamp;

closed_set! {
    /// Which way the money went.
    pub enum LedgerKind {
        /// A payment WeChat Pay confirmed.
        Payment = "PAYMENT",
        /// A refund that went back to the payer.
        Refund = "REFUND",
    }
}

/// One payment or refund, as this shop holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    pub kind: LedgerKind,
    /// The order (WeChat Pay's `out_trade_no`).
    pub out_trade_no: String,
    /// The refund's number, for a refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// WeChat Pay's transaction id, for a payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// What was paid (the order's total) or refunded (what was asked).
    pub amount_fen: i64,
    /// When WeChat Pay says it succeeded (its `success_time`; when it gave none, when we learnt it).
    pub at: Timestamp,
}

impl LedgerEntry {
    /// The payment of `order_id` by `transaction_id`.
    pub fn payment(order_id: &OrderId, transaction_id: &str, amount_fen: i64, at: Timestamp) -> Self {
        Self {
            kind: LedgerKind::Payment,
            out_trade_no: order_id.as_str().to_owned(),
            out_refund_no: None,
            transaction_id: Some(transaction_id.to_owned()),
            amount_fen,
            at,
        }
    }

    /// The refund `out_refund_no` of `order_id`.
    pub fn refund(order_id: &OrderId, out_refund_no: &str, amount_fen: i64, at: Timestamp) -> Self {
        Self {
            kind: LedgerKind::Refund,
            out_trade_no: order_id.as_str().to_owned(),
            out_refund_no: Some(out_refund_no.to_owned()),
            transaction_id: None,
            amount_fen,
            at,
        }
    }

    /// The Beijing day it is filed under (`YYYY-MM-DD`), as WeChat Pay's bills are.
    pub fn day(&self) -> String {
        self.at.china_day()
    }

    /// What identifies it within its day: the order for a payment (one per order), the refund
    /// number for a refund.
    pub fn number(&self) -> &str {
        self.out_refund_no.as_deref().unwrap_or(&self.out_trade_no)
    }
}
