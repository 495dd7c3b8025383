//! After-sales: a buyer asks to be refunded some units of an order, with or without sending them
//! back. The states a request moves through (one table), what may be asked of an order (bounded by
//! what was bought less what is already refunded or asked), and what it costs.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::catalog::{SkuId, SkuRef};
use super::closed_set;
use super::ids::{OrderId, ProductId};
use super::orders::{Carrier, Order, OrderStatus, RefundLedger, TrackingNo};
use super::time::Timestamp;

/// How long after an order completes its buyer may still ask (the default of
/// `AFTER_SALES_WINDOW_DAYS`).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);
pub const REASON_MAX_CHARS: usize = 200;
pub const MAX_PHOTOS: usize = 9;

closed_set! {
    /// What the buyer asks for.
    pub enum AfterSalesKind {
        /// The money back, keeping (or never receiving) the goods.
        Refund = "refund",
        /// The goods go back, then the money.
        ReturnRefund = "return_refund",
    }
}

closed_set! {
    /// Where a request stands.
    pub enum AfterSalesStatus {
        /// Waiting for an operator.
        Requested = "REQUESTED",
        Approved = "APPROVED",
        /// The buyer sent the goods back.
        Returning = "RETURNING",
        ReturnReceived = "RETURN_RECEIVED",
        /// Asked of WeChat Pay; its notification ends it.
        Refunding = "REFUNDING",
        Refunded = "REFUNDED",
        Rejected = "REJECTED",
        Cancelled = "CANCELLED",
        /// WeChat Pay ended the refund ABNORMAL or CLOSED: an operator settles it.
        Failed = "FAILED",
    }
}

impl AfterSalesStatus {
    /// Every move a request may make: the one table of its life. The store writes each
    /// conditionally on the request still being in `from`.
    pub const TRANSITIONS: &'static [(Self, Self)] = &[
        // Units that never left are refunded at once.
        (Self::Requested, Self::Refunding),
        (Self::Requested, Self::Approved),
        (Self::Requested, Self::Rejected),
        (Self::Requested, Self::Cancelled),
        (Self::Approved, Self::Refunding),
        (Self::Approved, Self::Returning),
        (Self::Approved, Self::Cancelled),
        (Self::Returning, Self::ReturnReceived),
        (Self::ReturnReceived, Self::Refunding),
        (Self::Refunding, Self::Refunded),
        (Self::Refunding, Self::Failed),
        // WeChat Pay's later success of a refund it had ended ABNORMAL (the merchant settled it).
        (Self::Failed, Self::Refunded),
    ];

    pub fn can_become(self, to: Self) -> bool {
        Self::TRANSITIONS.contains(&(self, to))
    }

    /// Whether it waits for a person (the buyer or an operator): an order has one such at most.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Requested | Self::Approved | Self::Returning | Self::ReturnReceived
        )
    }
}

/// Units of one order line in a request, and what they cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfterSalesLine {
    pub product_id: ProductId,
    pub sku_id: SkuId,
    pub quantity: i64,
    /// The units' price as paid.
    pub amount_fen: i64,
    /// Whether they never left the warehouse: put back into stock when refunded.
    pub restock: bool,
}

impl AfterSalesLine {
    pub fn sku_ref(&self) -> SkuRef {
        SkuRef {
            product_id: self.product_id.clone(),
            sku_id: self.sku_id.clone(),
        }
    }
}

/// One after-sales request of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AfterSales {
    pub order_id: OrderId,
    /// Its number within the order: 1, 2, ...
    pub number: u32,
    #[serde(rename = "type")]
    pub kind: AfterSalesKind,
    pub status: AfterSalesStatus,
    pub lines: Vec<AfterSalesLine>,
    pub amount_fen: i64,
    pub reason: String,
    pub photos: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<Timestamp>,
    /// How WeChat Pay ended a refund that did not succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_issue: Option<String>,
    /// Why an operator rejected it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<String>,
    /// The parcel the buyer sent the goods back in (`return_refund`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_parcel: Option<ReturnParcel>,
    /// Refunded by an operator of their own accord (goodwill, a price adjustment).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_operator: bool,
}

/// The parcel of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnParcel {
    pub carrier: Carrier,
    pub tracking_no: TrackingNo,
}

/// What is decided of a request: by an operator (approve, reject) or its buyer (cancel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Refund it (`refund`: at once; `return_refund`: once the goods are back), optionally a
    /// different amount, never more than its lines' price.
    Approve {
        amount_fen: Option<i64>,
    },
    Reject {
        reason: String,
    },
    Cancel,
    /// The buyer sent an approved return back.
    SendBack(ReturnParcel),
    /// The goods of a return arrived: back in stock, then refunded (`approve` again).
    Receive,
}

impl AfterSales {
    /// The request as `decision` leaves it at `now`, or why it cannot be decided so.
    pub fn decide(&self, decision: &Decision, now: Timestamp) -> Result<AfterSales, AfterSalesRefusal> {
        let mut return_parcel = self.return_parcel.clone();
        let mut lines = self.lines.clone();
        let (to, amount_fen, reject_reason) = match decision {
            Decision::Approve { amount_fen } => {
                let paid: i64 = self.lines.iter().map(|line| line.amount_fen).sum();
                let amount = amount_fen.unwrap_or(self.amount_fen);
                if !(1..=paid).contains(&amount) {
                    return Err(AfterSalesRefusal::invalid(
                        "amountFen",
                        format!("must be 1 to {paid}: the price paid for its lines"),
                    ));
                }
                let to = match self.kind {
                    AfterSalesKind::Refund => AfterSalesStatus::Refunding,
                    AfterSalesKind::ReturnRefund => AfterSalesStatus::Approved,
                };
                (to, amount, None)
            }
            Decision::Reject { reason } => {
                let reason = checked_reason(reason)?;
                (
                    AfterSalesStatus::Rejected,
                    self.amount_fen,
                    Some(reason.to_owned()),
                )
            }
            Decision::Cancel => (AfterSalesStatus::Cancelled, self.amount_fen, None),
            Decision::SendBack(parcel) => {
                return_parcel = Some(parcel.clone());
                (AfterSalesStatus::Returning, self.amount_fen, None)
            }
            Decision::Receive => {
                // Back in stock now: the refund puts nothing back again.
                for line in &mut lines {
                    line.restock = false;
                }
                (AfterSalesStatus::ReturnReceived, self.amount_fen, None)
            }
        };
        let from: &[AfterSalesStatus] = match decision {
            // A return is refunded once its goods are back: approved again after `receive`.
            Decision::Approve { .. } if self.kind == AfterSalesKind::ReturnRefund => {
                &[AfterSalesStatus::Requested, AfterSalesStatus::ReturnReceived]
            }
            Decision::Approve { .. } | Decision::Reject { .. } => &[AfterSalesStatus::Requested],
            Decision::Cancel => &[AfterSalesStatus::Requested, AfterSalesStatus::Approved],
            Decision::SendBack(_) => &[AfterSalesStatus::Approved],
            Decision::Receive => &[AfterSalesStatus::Returning],
        };
        let to = match (decision, self.status) {
            (Decision::Approve { .. }, AfterSalesStatus::ReturnReceived) => AfterSalesStatus::Refunding,
            _ => to,
        };
        if !from.contains(&self.status) || !self.status.can_become(to) {
            return Err(AfterSalesRefusal::NotDecidable(self.status));
        }
        Ok(AfterSales {
            status: to,
            amount_fen,
            reject_reason,
            return_parcel,
            lines,
            updated_at: now,
            ..self.clone()
        })
    }
}

impl AfterSales {
    /// Its WeChat Pay refund number: stable across retries of this refund, different from the
    /// order's other refunds (and from `R<order>`, the whole-order refund).
    pub fn refund_number(&self) -> String {
        refund_number(&self.order_id, self.number)
    }
}

/// The refund number of request `number` of `order_id`.
pub fn refund_number(order_id: &OrderId, number: u32) -> String {
    format!("R{order_id}-{number}")
}

/// The order and request a refund number names, when it is one of a request's.
pub fn parse_refund_number(out_refund_no: &str) -> Option<(OrderId, u32)> {
    let (order, number) = out_refund_no.strip_prefix('R')?.split_once('-')?;
    Some((OrderId::parse(order)?, number.parse().ok().filter(|n| *n > 0)?))
}

/// A buyer's request as sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AfterSalesInput {
    #[serde(rename = "type")]
    pub kind: AfterSalesKind,
    pub lines: Vec<AfterSalesLineInput>,
    pub reason: String,
    #[serde(default)]
    pub photos: Vec<String>,
}

/// One line of a request: which order line (by SKU, product, or both) and how many units.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AfterSalesLineInput {
    #[serde(default)]
    pub product_id: Option<ProductId>,
    #[serde(default)]
    pub sku_id: Option<SkuId>,
    pub quantity: i64,
}

/// Why a request cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AfterSalesRefusal {
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("the order is {0}: only a paid, shipped or completed order has after-sales")]
    NotEligible(OrderStatus),
    #[error("after-sales closed {0} after the order completed")]
    WindowClosed(Timestamp),
    #[error("request {0} of this order is still open: wait for it, or cancel it")]
    AlreadyOpen(u32),
    #[error("the request is {0}: it cannot be decided so")]
    NotDecidable(AfterSalesStatus),
}

impl AfterSalesRefusal {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Checks `input` against `order` as it is, and prices it: the request it makes at `now`
/// (REFUNDING at once when every unit asked for a refund never left, REQUESTED otherwise).
/// `window` bounds how long after completion a buyer may ask.
pub fn plan_after_sales(
    order: &Order,
    ledger: &RefundLedger,
    input: &AfterSalesInput,
    now: Timestamp,
    window: Duration,
) -> Result<AfterSales, AfterSalesRefusal> {
    if !matches!(
        order.status,
        OrderStatus::Paid | OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Completed
    ) {
        return Err(AfterSalesRefusal::NotEligible(order.status));
    }
    if let Some(completed_at) = order.completed_at
        && completed_at.plus(window) < now
    {
        return Err(AfterSalesRefusal::WindowClosed(completed_at.plus(window)));
    }
    if let Some(open) = ledger.open {
        return Err(AfterSalesRefusal::AlreadyOpen(open));
    }
    let reason = checked_reason(&input.reason)?;
    if input.photos.len() > MAX_PHOTOS {
        return Err(AfterSalesRefusal::invalid(
            "photos",
            format!("at most {MAX_PHOTOS}"),
        ));
    }
    if input.lines.is_empty() || input.lines.len() > order.items.len() {
        return Err(AfterSalesRefusal::invalid(
            "lines",
            "must name 1 or more lines of the order, each once",
        ));
    }
    let lines = priced_lines(order, ledger, &input.lines)?;
    let at_once = input.kind == AfterSalesKind::Refund && lines.iter().all(|line| line.restock);
    let amount_fen: i64 = lines.iter().map(|l| l.amount_fen).sum();
    if ledger.refunded_fen + amount_fen > order.total_fen {
        return Err(AfterSalesRefusal::invalid(
            "lines",
            format!(
                "would refund {} fen of the {} fen left to refund",
                amount_fen,
                order.total_fen - ledger.refunded_fen
            ),
        ));
    }
    Ok(AfterSales {
        order_id: order.order_id.clone(),
        number: ledger.count + 1,
        kind: input.kind,
        status: if at_once {
            AfterSalesStatus::Refunding
        } else {
            AfterSalesStatus::Requested
        },
        lines,
        amount_fen,
        reason: reason.to_owned(),
        photos: input.photos.clone(),
        created_at: now,
        updated_at: now,
        refunded_at: None,
        refund_issue: None,
        reject_reason: None,
        return_parcel: None,
        by_operator: false,
    })
}

/// An operator's refund of part of an order, of their own accord.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorRefundInput {
    /// The units it refunds (none: money only, such as a price adjustment).
    #[serde(default)]
    pub lines: Vec<AfterSalesLineInput>,
    /// The money (default: the lines' price); never more than is left to refund.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    pub reason: String,
}

/// Checks an operator's refund against `order` as it is: the request it records, REFUNDING at once.
pub fn plan_operator_refund(
    order: &Order,
    input: &OperatorRefundInput,
    now: Timestamp,
) -> Result<AfterSales, AfterSalesRefusal> {
    if !matches!(
        order.status,
        OrderStatus::Paid | OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Completed
    ) {
        return Err(AfterSalesRefusal::NotEligible(order.status));
    }
    let reason = checked_reason(&input.reason)?;
    let ledger = &order.refunds;
    let lines = priced_lines(order, ledger, &input.lines)?;
    let left = order.total_fen - ledger.refunded_fen;
    let amount_fen = match input.amount_fen {
        Some(amount) => amount,
        None if !lines.is_empty() => lines.iter().map(|l| l.amount_fen).sum(),
        None => {
            return Err(AfterSalesRefusal::invalid(
                "amountFen",
                "is required for a refund of no line",
            ));
        }
    };
    if !(1..=left).contains(&amount_fen) {
        return Err(AfterSalesRefusal::invalid(
            "amountFen",
            format!("must be 1 to {left}: what is left to refund of this order"),
        ));
    }
    Ok(AfterSales {
        order_id: order.order_id.clone(),
        number: ledger.count + 1,
        kind: AfterSalesKind::Refund,
        status: AfterSalesStatus::Refunding,
        lines,
        amount_fen,
        reason: reason.to_owned(),
        photos: Vec::new(),
        created_at: now,
        updated_at: now,
        refunded_at: None,
        refund_issue: None,
        reject_reason: None,
        return_parcel: None,
        by_operator: true,
    })
}

/// A reason shown to the other side: trimmed, 1..=200 characters, no control or invisible format
/// characters (newlines allowed).
fn checked_reason(reason: &str) -> Result<&str, AfterSalesRefusal> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(AfterSalesRefusal::invalid(
            "reason",
            format!("must be 1 to {REASON_MAX_CHARS} characters"),
        ));
    }
    super::text::check_shown_text(reason, true).map_err(|why| AfterSalesRefusal::invalid("reason", why))?;
    Ok(reason)
}

/// The order lines `asked` names, each once, within the units bought less those already refunded
/// or asked, priced as paid; `restock` when the units never left the warehouse.
fn priced_lines(
    order: &Order,
    ledger: &RefundLedger,
    asked: &[AfterSalesLineInput],
) -> Result<Vec<AfterSalesLine>, AfterSalesRefusal> {
    let mut lines: Vec<AfterSalesLine> = Vec::with_capacity(asked.len());
    for (i, asked) in asked.iter().enumerate() {
        let field = format!("lines[{i}]");
        let line = order
            .find_line(asked.product_id.as_ref(), asked.sku_id.as_ref())
            .map_err(|why| AfterSalesRefusal::invalid(&field, why))?;
        let sku = line.sku_ref();
        if lines.iter().any(|l| l.sku_ref() == sku) {
            return Err(AfterSalesRefusal::invalid(&field, "names a line twice"));
        }
        let available = line.quantity - ledger.units_of(&sku);
        if asked.quantity < 1 || asked.quantity > available {
            return Err(AfterSalesRefusal::invalid(
                format!("{field}.quantity"),
                format!("must be 1 to {available}: the units bought less those already refunded or asked"),
            ));
        }
        lines.push(AfterSalesLine {
            product_id: line.product_id.clone(),
            sku_id: line.sku_id.clone(),
            quantity: asked.quantity,
            amount_fen: line.price_fen * asked.quantity,
            restock: asked.quantity <= order.in_warehouse(line),
        });
    }
    Ok(lines)
}
