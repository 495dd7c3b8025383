//! Money for an order: the payment, the prepay, WeChat Pay's payment and refund notices as
//! the domain sees them, and why an order cannot be paid or refunded.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::status::OrderStatus;
use crate::domain::time::Timestamp;

/// A confirmed payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// WeChat Pay's id of the transaction.
    pub transaction_id: String,
    pub paid_at: Timestamp,
}

impl Payment {
    /// A payment as WeChat Pay reports it (a notification, or a query's answer): paid at its
    /// `success_time` (RFC 3339), or at `now` when that is missing or unreadable.
    pub fn reported(transaction_id: String, success_time: Option<&str>, now: Timestamp) -> Self {
        Self {
            transaction_id,
            paid_at: success_time.and_then(Timestamp::parse).unwrap_or(now),
        }
    }
}

/// What WeChat Pay says happened to a transaction (a notification's decrypted resource).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentNotice {
    pub mchid: String,
    pub appid: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub trade_state: String,
    pub amount: NoticeAmount,
    #[serde(default)]
    pub success_time: Option<String>,
}

/// The amount of a [`PaymentNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoticeAmount {
    pub total: i64,
    #[serde(default)]
    pub payer_total: Option<i64>,
    pub currency: String,
}

/// Why a notice does not describe a payment of this order by this merchant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the notice does not match the order: {0}")]
pub struct NoticeMismatch(pub &'static str);

/// What a matching notice means for the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeVerdict {
    /// Paid while awaiting payment: mark it paid.
    Pay,
    /// Already paid by this very transaction: a repeated notification.
    AlreadyPaid,
    /// Paid although the order was cancelled (its stock released): refund, never resurrect.
    Refund,
    /// Not a success (`NOTPAY`, `CLOSED`, ...): nothing to do.
    Ignore,
}

/// A WeChat Pay prepay: what `wx.requestPayment` needs, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepay {
    pub id: String,
    pub expires_at: Timestamp,
}

/// How long before `payBy` an order stops being payable: WeChat Pay wants `time_expire` at least a
/// minute ahead.
pub const PAY_MARGIN: Duration = Duration::from_secs(60);
/// The longest description WeChat Pay accepts, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 127;

/// Why an order cannot be refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the order is {0}: only a paid order that has not shipped can be refunded")]
pub struct RefundRefusal(pub OrderStatus);

/// What WeChat Pay says happened to a refund (a refund notification's decrypted resource).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RefundNotice {
    pub mchid: String,
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub refund_status: String,
    pub amount: RefundAmount,
    /// When the refund succeeded (RFC 3339, China time), on a success.
    #[serde(default)]
    pub success_time: Option<String>,
}

impl RefundNotice {
    /// When the refund succeeded, as WeChat Pay says (`now` when it does not).
    pub fn succeeded_at(&self, now: Timestamp) -> Timestamp {
        self.success_time
            .as_deref()
            .and_then(Timestamp::parse)
            .unwrap_or(now)
    }
}

/// The amount of a [`RefundNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RefundAmount {
    pub total: i64,
    pub refund: i64,
}

/// Why an order cannot be paid now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PayRefusal {
    #[error("the order is {0}, not awaiting payment")]
    NotPending(OrderStatus),
    #[error("the time to pay this order has passed")]
    Expired,
}
