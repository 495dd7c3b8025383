//! An order as stored: its lines (priced from the products), its state, and what it records
//! of payment, refund and shipping; the rules that read it (payable? refundable? shippable?).

use serde::{Deserialize, Serialize};

use super::ledger::RefundLedger;
use super::payment::{
    DESCRIPTION_MAX_CHARS, NoticeMismatch, NoticeVerdict, PAY_MARGIN, PayRefusal, Payment, PaymentNotice,
    Prepay, RefundRefusal,
};
use super::shipping::Deliveries;
use super::status::OrderStatus;
use crate::domain::address::Address;
use crate::domain::catalog::{SkuId, SkuRef, SpecValues};
use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::time::Timestamp;

/// A line of an order: a snapshot of the product's name, its SKU's spec values and price when it
/// was ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub product_id: ProductId,
    /// `default` for a product without variants (and every line ordered before variants).
    pub sku_id: SkuId,
    /// The SKU's spec values (`{"规格": "250g"}`); empty without variants.
    #[serde(default, skip_serializing_if = "SpecValues::is_empty")]
    pub spec_values: SpecValues,
    pub name: String,
    pub price_fen: i64,
    pub quantity: i64,
    pub subtotal_fen: i64,
}

fn refunded_fen<S: serde::Serializer>(refunds: &RefundLedger, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_i64(refunds.refunded_fen)
}

impl OrderLine {
    pub fn sku_ref(&self) -> SkuRef {
        SkuRef {
            product_id: self.product_id.clone(),
            sku_id: self.sku_id.clone(),
        }
    }

    /// What a buyer reads of it: the name, then the spec values (`西湖龙井 250g 礼盒`).
    pub fn description(&self) -> String {
        let mut text = self.name.clone();
        for (_, value) in self.spec_values.iter() {
            text.push(' ');
            text.push_str(value);
        }
        text
    }
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: OrderId,
    #[serde(skip)]
    pub openid: Openid,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub total_fen: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// The remark was accepted while WeChat's content check could not be asked: the merchant
    /// reviews it before showing it anywhere. Never answered.
    #[serde(skip)]
    pub remark_unchecked: bool,
    /// The owner was reminded to pay before the order closes. Never answered.
    #[serde(skip)]
    pub reminded: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub pay_by: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<Timestamp>,
    /// When the buyer confirmed receipt, or WeChat settled the order (COMPLETED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// The payment, once WeChat Pay confirmed it.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub payment: Option<Payment>,
    /// The WeChat Pay prepay of this order, reused while it is valid. Never answered.
    #[serde(skip)]
    pub prepay: Option<Prepay>,
    /// How WeChat Pay ended a refund that did not succeed (`ABNORMAL`, `CLOSED`): the order stays
    /// REFUNDING until an operator settles it in the merchant platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_issue: Option<String>,
    /// What it has given back through after-sales: `refundedFen` is answered, the rest kept.
    #[serde(
        rename = "refundedFen",
        serialize_with = "refunded_fen",
        skip_serializing_if = "RefundLedger::is_empty"
    )]
    pub refunds: RefundLedger,
    /// How it left: one delivery per shipping call (answered with `shipment`, its first parcel).
    #[serde(flatten)]
    pub deliveries: Deliveries,
    /// Where it goes (a snapshot: editing an address book later never changes it); `None` for
    /// virtual goods. In full for its owner's `GET /orders/{id}`, masked in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

impl Order {
    /// The order as a list shows it: its address masked.
    pub fn listed(mut self) -> Self {
        self.address = self.address.map(|address| address.masked());
        self
    }

    /// This order as `mark_paid` leaves it.
    pub fn paid(&self, payment: Payment) -> Self {
        Self {
            status: OrderStatus::Paid,
            updated_at: payment.paid_at,
            payment: Some(payment),
            prepay: None,
            ..self.clone()
        }
    }

    /// Whether the order can be paid at `now`: awaiting payment, and a minute or more before `payBy`.
    pub fn check_payable(&self, now: Timestamp) -> Result<(), PayRefusal> {
        if self.status != OrderStatus::PendingPayment {
            return Err(PayRefusal::NotPending(self.status));
        }
        if now.plus(PAY_MARGIN) >= self.pay_by {
            return Err(PayRefusal::Expired);
        }
        Ok(())
    }

    /// The prepay to reuse at `now`, if one is still valid for a while.
    pub fn reusable_prepay(&self, now: Timestamp) -> Option<&Prepay> {
        self.prepay
            .as_ref()
            .filter(|p| p.expires_at > now.plus(PAY_MARGIN))
    }

    /// What a WeChat Pay notice means for this order, once it is checked to be about this order,
    /// from this merchant and app, for the whole amount in CNY.
    pub fn judge(
        &self,
        notice: &PaymentNotice,
        mchid: &str,
        appid: &str,
    ) -> Result<NoticeVerdict, NoticeMismatch> {
        if notice.mchid != mchid {
            return Err(NoticeMismatch("mchid"));
        }
        if notice.appid != appid {
            return Err(NoticeMismatch("appid"));
        }
        if notice.out_trade_no != self.order_id.as_str() {
            return Err(NoticeMismatch("out_trade_no"));
        }
        if notice.amount.total != self.total_fen {
            return Err(NoticeMismatch("amount"));
        }
        if notice.amount.currency != "CNY" {
            return Err(NoticeMismatch("currency"));
        }
        if notice.trade_state != "SUCCESS" {
            return Ok(NoticeVerdict::Ignore);
        }
        Ok(match (self.status, &self.payment) {
            (OrderStatus::PendingPayment, _) => NoticeVerdict::Pay,
            (
                OrderStatus::Paid
                | OrderStatus::Shipped
                | OrderStatus::PartiallyShipped
                | OrderStatus::Completed
                | OrderStatus::Refunding
                | OrderStatus::Refunded,
                Some(payment),
            ) if payment.transaction_id == notice.transaction_id => NoticeVerdict::AlreadyPaid,
            (
                OrderStatus::Paid
                | OrderStatus::Shipped
                | OrderStatus::PartiallyShipped
                | OrderStatus::Completed
                | OrderStatus::Refunding
                | OrderStatus::Refunded
                | OrderStatus::Cancelled,
                _,
            ) => NoticeVerdict::Refund,
        })
    }

    /// Whether a full refund may be asked: the owner, of a paid order that has not shipped; the
    /// merchant, also of a shipped one (goods returned or lost).
    pub fn check_refundable(&self, by_merchant: bool) -> Result<(), RefundRefusal> {
        match self.status {
            OrderStatus::Paid => Ok(()),
            OrderStatus::Shipped | OrderStatus::PartiallyShipped if by_merchant => Ok(()),
            status => Err(RefundRefusal(status)),
        }
    }

    /// The line named by its product, its SKU, or both: refused when neither is given, none
    /// matches, or several do.
    pub fn find_line(
        &self,
        product_id: Option<&ProductId>,
        sku_id: Option<&SkuId>,
    ) -> Result<&OrderLine, &'static str> {
        if product_id.is_none() && sku_id.is_none() {
            return Err("names neither productId nor skuId");
        }
        let mut matches = self.items.iter().filter(|line| {
            product_id.is_none_or(|p| *p == line.product_id) && sku_id.is_none_or(|s| *s == line.sku_id)
        });
        match (matches.next(), matches.next()) {
            (Some(line), None) => Ok(line),
            (None, _) => Err("is not a line of this order"),
            (Some(_), Some(_)) => Err("matches several lines of this order: name its productId and skuId"),
        }
    }

    /// The refund number of this order's full refund: derived from the order, so asking again
    /// never refunds twice.
    pub fn refund_number(&self) -> String {
        format!("R{}", self.order_id)
    }

    /// What the payer sees: the first item's name, and how many items there are in all.
    pub fn description(&self) -> String {
        let first = self.items.first().map_or("", |line| line.name.as_str());
        let text = match self.items.len() {
            0 | 1 => first.to_owned(),
            n => format!("{first} 等{n}件商品"),
        };
        text.chars().take(DESCRIPTION_MAX_CHARS).collect()
    }
    /// Whether `openid` owns this order.
    pub fn is_owned_by(&self, openid: &Openid) -> bool {
        self.openid == *openid
    }

    /// Whether the order can still be cancelled (its stock is still held).
    pub fn is_cancellable(&self) -> bool {
        self.status == OrderStatus::PendingPayment
    }

    /// The order as it is once cancelled at `now`.
    pub fn cancelled(self, now: Timestamp) -> Self {
        Self {
            status: OrderStatus::Cancelled,
            cancelled_at: Some(now),
            updated_at: now,
            ..self
        }
    }
}
