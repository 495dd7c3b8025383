//! Paying for an order with WeChat Pay (JSAPI, the mini-program payment): a prepay, reused while it
//! is valid, and the signed parameters of `wx.requestPayment`.

use std::time::Duration;

use crate::domain::ids::{Openid, OrderId};
use crate::domain::notices::NoticeEvent;
use crate::domain::orders::{
    NoticeVerdict, Order, OrderStatus, PayRefusal, Payment, PaymentNotice, Prepay, RefundNotice,
    RefundRefusal,
};
use crate::domain::time::{Clock, Timestamp};
use crate::infra::store::{CancelOutcome, PaidOutcome, StorageError, Store};
use crate::infra::wechatpay::client::{NotifyError, PayError, PaymentParams, PrepayRequest, WeChatPayClient};
use crate::services::notices::Notifier;

/// How long WeChat Pay keeps a prepay valid.
const PREPAY_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// Why an order could not be paid.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// No such order, or not the caller's: the same answer either way.
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    NotPayable(#[from] PayRefusal),
    #[error(transparent)]
    Pay(#[from] PayError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Payments. Built once per process by the functions that hold the merchant key.
#[derive(Clone)]
pub struct Payments {
    store: Store,
    pay: WeChatPayClient,
    clock: Clock,
}

impl Payments {
    pub fn new(store: Store, pay: WeChatPayClient, clock: Clock) -> Self {
        Self { store, pay, clock }
    }

    /// The `wx.requestPayment` parameters for the caller's order: one GetItem; the first time (or
    /// once the prepay is about to expire) one prepay call to WeChat Pay and one UpdateItem that keeps
    /// it, so paying again reuses it. Only an order awaiting payment, a minute or more before its
    /// deadline, can be paid.
    #[tracing::instrument(skip_all)]
    pub async fn pay(&self, openid: &Openid, order_id: &OrderId) -> Result<PaymentParams, PaymentError> {
        let order = self
            .store
            .get_order(order_id)
            .await?
            .filter(|order| order.is_owned_by(openid))
            .ok_or(PaymentError::NotFound)?;
        let now = self.clock.now();
        order.check_payable(now)?;
        if let Some(prepay) = order.reusable_prepay(now) {
            return Ok(self.pay.request_payment(&prepay.id)?);
        }
        let description = order.description();
        let id = self
            .pay
            .jsapi_prepay(&PrepayRequest {
                out_trade_no: order.order_id.as_str(),
                description: &description,
                total_fen: order.total_fen,
                payer_openid: order.openid.as_str(),
                time_expire: order.pay_by,
            })
            .await?;
        let prepay = Prepay {
            expires_at: now.plus(PREPAY_LIFETIME).min(order.pay_by),
            id,
        };
        if !self.store.save_prepay(&order, &prepay).await? {
            // Cancelled meanwhile: WeChat Pay will not be asked to take money for it.
            return Err(PayRefusal::NotPending(OrderStatus::Cancelled).into());
        }
        Ok(self.pay.request_payment(&prepay.id)?)
    }
}

/// The signature headers of a WeChat Pay notification.
#[derive(Debug, Clone, Copy)]
pub struct NoticeHeaders<'a> {
    pub serial: &'a str,
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
}

/// Why a notification was refused (WeChat Pay will send it again, unless it was forged).
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// Unsigned, forged, stale, or signed by a key we do not know.
    #[error("refused: {0}")]
    Forged(NotifyError),
    #[error("malformed: {0}")]
    Malformed(String),
    /// Signed, but not about an order of ours, or not matching it: a security event.
    #[error("does not match: {0}")]
    Mismatch(String),
    #[error(transparent)]
    Pay(#[from] PayError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a notification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeOutcome {
    Paid,
    /// A repeat of a notification already handled.
    Duplicate,
    /// Paid after the order was cancelled: refunded (or the refund was already asked).
    Refunded,
    /// Not a payment (another event, or not a success).
    Ignored,
    /// A refund that did not succeed, recorded on its order for an operator.
    NeedsOperator,
}

/// The longest refund status recorded on an order (WeChat Pay's are short words).
const MAX_REFUND_STATUS: usize = 32;

/// Takes WeChat Pay's payment notifications: verified, decrypted, matched to the order, and
/// applied exactly once.
#[derive(Clone)]
pub struct PaymentNotices {
    store: Store,
    pay: WeChatPayClient,
    clock: Clock,
    notifier: Notifier,
}

impl PaymentNotices {
    pub fn new(store: Store, pay: WeChatPayClient, clock: Clock, notifier: Notifier) -> Self {
        Self {
            store,
            pay,
            clock,
            notifier,
        }
    }

    /// Handles one notification. A forged, stale or mismatched one changes nothing and is logged
    /// as a security event; a repeated one answers success without doing the work again.
    #[tracing::instrument(skip_all)]
    pub async fn receive(
        &self,
        headers: NoticeHeaders<'_>,
        body: &[u8],
    ) -> Result<NoticeOutcome, NoticeError> {
        let notification = open(&self.pay, headers, body)?;
        if notification.event_type != "TRANSACTION.SUCCESS" {
            return Ok(NoticeOutcome::Ignored);
        }
        let notice: PaymentNotice = serde_json::from_slice(&notification.resource)
            .map_err(|e| NoticeError::Malformed(format!("the transaction: {e}")))?;
        let mismatch = |reason: String| {
            tracing::warn!(
                security_event = "mismatched_payment_notification",
                notification = %notification.id,
                out_trade_no = %notice.out_trade_no,
                reason,
                "refused"
            );
            NoticeError::Mismatch(reason)
        };
        let order_id =
            OrderId::parse(&notice.out_trade_no).ok_or_else(|| mismatch("no such order".into()))?;
        for _ in 0..2 {
            let order = self
                .store
                .get_order(&order_id)
                .await?
                .ok_or_else(|| mismatch("no such order".into()))?;
            let verdict = order
                .judge(&notice, self.pay.mchid(), self.pay.appid())
                .map_err(|e| mismatch(e.to_string()))?;
            match verdict {
                NoticeVerdict::Ignore => return Ok(NoticeOutcome::Ignored),
                NoticeVerdict::AlreadyPaid => return Ok(NoticeOutcome::Duplicate),
                NoticeVerdict::Refund => return self.refund(&order, &notice).await,
                NoticeVerdict::Pay => {
                    let payment = Payment {
                        transaction_id: notice.transaction_id.clone(),
                        paid_at: notice
                            .success_time
                            .as_deref()
                            .and_then(Timestamp::parse)
                            .unwrap_or_else(|| self.clock.now()),
                    };
                    match self.store.mark_paid(&order, &payment).await? {
                        PaidOutcome::Paid => {
                            self.notifier
                                .notify(&order.paid(payment), NoticeEvent::OrderPaid)
                                .await;
                            return Ok(NoticeOutcome::Paid);
                        }
                        // Cancelled or paid meanwhile: judge again on the order as it is now.
                        PaidOutcome::AlreadyChanged => {}
                        PaidOutcome::Conflict => {
                            return Err(StorageError::unavailable(
                                "marking the order paid",
                                "transaction conflict",
                            )
                            .into());
                        }
                    }
                }
            }
        }
        Err(StorageError::unavailable("applying the notification", "the order kept changing").into())
    }

    /// Money arrived for an order that is cancelled (its stock released) or already paid by another
    /// transaction: refund it in full, recording both facts; never resurrect the order. The refund
    /// number is derived from the transaction, so a repeated notification never refunds twice.
    async fn refund(&self, order: &Order, notice: &PaymentNotice) -> Result<NoticeOutcome, NoticeError> {
        let out_refund_no: String = format!("RL{}", notice.transaction_id).chars().take(64).collect();
        let reason = "订单已取消或已支付，自动退款 (order no longer payable: refunded)";
        let new = self
            .store
            .record_refund(
                &out_refund_no,
                order,
                &notice.transaction_id,
                "PAID_WHEN_NOT_PAYABLE",
                self.clock.now(),
            )
            .await?;
        self.pay
            .refund(
                order.order_id.as_str(),
                &out_refund_no,
                notice.amount.total,
                notice.amount.total,
                reason,
            )
            .await?;
        tracing::warn!(
            order = %order.order_id,
            status = %order.status,
            transaction = %notice.transaction_id,
            first_time = new,
            "a payment for an order that is not payable was refunded"
        );
        Ok(NoticeOutcome::Refunded)
    }
}

/// What one expiry sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    /// Overdue orders looked at.
    pub examined: usize,
    /// Closed at WeChat Pay (or never prepaid), cancelled and restocked.
    pub cancelled: usize,
    /// Found paid at WeChat Pay (the notification was lost): marked paid.
    pub paid: usize,
    /// Already changed by someone else (a notification, a cancel, another sweep).
    pub skipped: usize,
    /// Unpaid orders about to close whose owner was reminded (a subscribe message allowed or not).
    pub reminded: usize,
    /// Refunds asked over [`REFUND_GRACE`] ago and not yet ended, looked at.
    pub refunds_examined: usize,
    /// Found refunded at WeChat Pay (the notification was lost): marked refunded and restocked.
    pub refunded: usize,
    /// Found failed at WeChat Pay (`ABNORMAL`, `CLOSED`): recorded on the order for an operator.
    pub refunds_flagged: usize,
    /// Unknown to WeChat Pay (the request never reached it): asked again, under the same number.
    pub refunds_asked_again: usize,
}

/// How long a refund may run before the sweep asks WeChat Pay about it (its notification usually
/// arrives within seconds; a refund to a bank card may take days, and is asked about every sweep).
const REFUND_GRACE: Duration = Duration::from_secs(10 * 60);

/// The most overdue orders one sweep handles; the next minute's sweep takes the rest.
const SWEEP_BATCH: i32 = 100;

/// Expires unpaid orders past their deadline: asks WeChat Pay first (query, then close), so money
/// taken at the last second is never lost, then cancels and restocks exactly once.
#[derive(Clone)]
pub struct Expiry {
    store: Store,
    pay: WeChatPayClient,
    clock: Clock,
    notifier: Notifier,
    /// How long before an unpaid order closes its owner is reminded (when a template is set).
    remind_ahead: Duration,
}

impl Expiry {
    pub fn new(
        store: Store,
        pay: WeChatPayClient,
        clock: Clock,
        notifier: Notifier,
        remind_ahead: Duration,
    ) -> Self {
        Self {
            store,
            pay,
            clock,
            notifier,
            remind_ahead,
        }
    }

    /// One sweep: one Query for the overdue orders; per order one query at WeChat Pay, then a
    /// close and the cancelling transaction, or the paying one. Safe to run twice at once: every
    /// transition is conditioned on the order still awaiting payment.
    #[tracing::instrument(skip_all)]
    pub async fn sweep(&self) -> Result<SweepReport, PaymentError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        // With a reminder template, the same Query reaches a little further: the orders closing
        // within `remind_ahead` are reminded once.
        let reminding = self.notifier.sends(NoticeEvent::OrderExpiring);
        let horizon = if reminding {
            now.plus(self.remind_ahead)
        } else {
            now
        };
        for order in self.store.overdue_orders(horizon, SWEEP_BATCH).await? {
            if order.pay_by > now {
                if !order.reminded && self.store.mark_reminded(&order, now).await? {
                    report.reminded += 1;
                    self.notifier.notify(&order, NoticeEvent::OrderExpiring).await;
                }
                continue;
            }
            report.examined += 1;
            match self.expire(&order).await? {
                Expired::Cancelled => report.cancelled += 1,
                Expired::Paid => report.paid += 1,
                Expired::Skipped => report.skipped += 1,
            }
        }
        let stalled = self
            .store
            .stalled_refunds(now.minus(REFUND_GRACE), SWEEP_BATCH)
            .await?;
        for order in stalled {
            report.refunds_examined += 1;
            let Some(state) = self.pay.refund_state(&order.refund_number()).await? else {
                tracing::warn!(order = %order.order_id, "a refund WeChat Pay never received: asked again");
                refund_in_full(&self.pay, &order).await?;
                report.refunds_asked_again += 1;
                continue;
            };
            match end_refund(&self.store, &order, &state.status, self.clock.now()).await? {
                RefundEnd::Refunded => {
                    tracing::warn!(order = %order.order_id, "a lost refund notification: the order is marked refunded");
                    report.refunded += 1;
                }
                RefundEnd::Flagged => report.refunds_flagged += 1,
                RefundEnd::InProgress | RefundEnd::AlreadyEnded => {}
            }
        }
        Ok(report)
    }

    async fn expire(&self, order: &Order) -> Result<Expired, PaymentError> {
        match self.pay.query(order.order_id.as_str()).await? {
            Some(state) if state.trade_state == "SUCCESS" => {
                let payment = Payment {
                    transaction_id: state.transaction_id.unwrap_or_default(),
                    paid_at: state
                        .success_time
                        .as_deref()
                        .and_then(Timestamp::parse)
                        .unwrap_or_else(|| self.clock.now()),
                };
                let paid_in_full = state.amount.as_ref().is_some_and(|a| a.total == order.total_fen);
                if !paid_in_full || payment.transaction_id.is_empty() {
                    tracing::warn!(order = %order.order_id, "WeChat Pay reports a payment that does not match the order");
                    return Ok(Expired::Skipped);
                }
                tracing::warn!(order = %order.order_id, "a lost payment notification: the order is marked paid");
                return Ok(match self.store.mark_paid(order, &payment).await? {
                    PaidOutcome::Paid => {
                        self.notifier
                            .notify(&order.paid(payment), NoticeEvent::OrderPaid)
                            .await;
                        Expired::Paid
                    }
                    _ => Expired::Skipped,
                });
            }
            Some(state) if state.trade_state != "CLOSED" => self.pay.close(order.order_id.as_str()).await?,
            _ => {}
        }
        Ok(match self.store.cancel_order(order, self.clock.now()).await? {
            CancelOutcome::Cancelled => Expired::Cancelled,
            _ => Expired::Skipped,
        })
    }
}

enum Expired {
    Cancelled,
    Paid,
    Skipped,
}

/// Asks WeChat Pay to refund all of `order` under its refund number (never refunded twice).
async fn refund_in_full(pay: &WeChatPayClient, order: &Order) -> Result<(), PayError> {
    pay.refund(
        order.order_id.as_str(),
        &order.refund_number(),
        order.total_fen,
        order.total_fen,
        REFUND_REASON,
    )
    .await
}

/// How a refund of an order ended, as WeChat Pay reported it.
enum RefundEnd {
    /// REFUNDING -> REFUNDED, the stock put back, exactly once.
    Refunded,
    /// Did not succeed (`ABNORMAL`, `CLOSED`): recorded on the order for an operator.
    Flagged,
    /// Still under way at WeChat Pay.
    InProgress,
    /// The order had already moved on (a repeat, or another notice first).
    AlreadyEnded,
}

/// Applies WeChat Pay's `status` of an order's refund (from a notification or a query).
async fn end_refund(
    store: &Store,
    order: &Order,
    status: &str,
    now: Timestamp,
) -> Result<RefundEnd, StorageError> {
    match status {
        "SUCCESS" => match store.complete_refund(order, now).await? {
            CancelOutcome::Cancelled => Ok(RefundEnd::Refunded),
            CancelOutcome::AlreadyChanged => Ok(RefundEnd::AlreadyEnded),
            CancelOutcome::Conflict => Err(StorageError::unavailable(
                "completing the refund",
                "transaction conflict",
            )),
        },
        "PROCESSING" => Ok(RefundEnd::InProgress),
        _ => {
            tracing::error!(order = %order.order_id, status, "a refund did not succeed: needs an operator");
            let issue: String = status
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(MAX_REFUND_STATUS)
                .collect();
            Ok(if store.flag_refund(order, &issue, now).await? {
                RefundEnd::Flagged
            } else {
                RefundEnd::AlreadyEnded
            })
        }
    }
}

/// Why a refund could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// No such order, or not the caller's: the same answer either way.
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    NotRefundable(#[from] RefundRefusal),
    #[error(transparent)]
    Pay(#[from] PayError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Full refunds of paid orders, asked by their owner or by an operator.
#[derive(Clone)]
pub struct Refunds {
    store: Store,
    pay: WeChatPayClient,
    clock: Clock,
}

/// The reason WeChat Pay shows the payer.
const REFUND_REASON: &str = "用户申请退款 (refund requested)";

impl Refunds {
    pub fn new(store: Store, pay: WeChatPayClient, clock: Clock) -> Self {
        Self { store, pay, clock }
    }

    /// Refunds the caller's paid order in full: the order moves to REFUNDING (one conditional
    /// UpdateItem), then WeChat Pay is asked under the order's refund number (one POST). Asking again
    /// while it is REFUNDING asks WeChat Pay again under the same number, which never refunds twice.
    #[tracing::instrument(skip_all)]
    pub async fn refund(&self, openid: Option<&Openid>, order_id: &OrderId) -> Result<Order, RefundError> {
        let order = self
            .store
            .get_order(order_id)
            .await?
            .filter(|order| openid.is_none_or(|openid| order.is_owned_by(openid)))
            .ok_or(RefundError::NotFound)?;
        let now = self.clock.now();
        let order = match order.status {
            OrderStatus::Refunding | OrderStatus::Refunded => order,
            _ => {
                order.check_refundable(openid.is_none())?;
                let moved = self.store.start_refund(&order, now).await?;
                if moved {
                    Order {
                        status: OrderStatus::Refunding,
                        updated_at: now,
                        ..order
                    }
                } else {
                    // Changed meanwhile: another request started the refund, or the order moved on.
                    let order = self
                        .store
                        .get_order(order_id)
                        .await?
                        .ok_or(RefundError::NotFound)?;
                    match order.status {
                        OrderStatus::Refunding | OrderStatus::Refunded => order,
                        status => return Err(RefundRefusal(status).into()),
                    }
                }
            }
        };
        if order.status == OrderStatus::Refunding {
            refund_in_full(&self.pay, &order).await?;
        }
        Ok(order)
    }

    /// Applies a verified refund notification: a successful full refund of an order's refund number
    /// moves it from REFUNDING to REFUNDED, exactly once.
    async fn apply(&self, notice: &RefundNotice) -> Result<NoticeOutcome, NoticeError> {
        let order = match OrderId::parse(&notice.out_trade_no) {
            Some(id) => self.store.get_order(&id).await?,
            None => None,
        };
        let Some(order) = order else {
            return Err(NoticeError::Mismatch("no such order".into()));
        };
        if notice.mchid != self.pay.mchid() || notice.amount.total != order.total_fen {
            return Err(NoticeError::Mismatch("merchant or amount".into()));
        }
        if notice.out_refund_no != order.refund_number() {
            // A refund of a payment that arrived when the order was not payable: recorded apart.
            tracing::info!(out_refund_no = %notice.out_refund_no, status = %notice.refund_status, "refund of a late payment");
            return Ok(NoticeOutcome::Ignored);
        }
        Ok(
            match end_refund(&self.store, &order, &notice.refund_status, self.clock.now()).await? {
                RefundEnd::Refunded => NoticeOutcome::Refunded,
                RefundEnd::Flagged => NoticeOutcome::NeedsOperator,
                RefundEnd::AlreadyEnded | RefundEnd::InProgress => NoticeOutcome::Duplicate,
            },
        )
    }

    /// Handles one refund notification (verified and decrypted like a payment notification).
    #[tracing::instrument(skip_all)]
    pub async fn receive(
        &self,
        headers: NoticeHeaders<'_>,
        body: &[u8],
    ) -> Result<NoticeOutcome, NoticeError> {
        let notification = open(&self.pay, headers, body)?;
        if !notification.event_type.starts_with("REFUND.") {
            return Ok(NoticeOutcome::Ignored);
        }
        let notice: RefundNotice = serde_json::from_slice(&notification.resource)
            .map_err(|e| NoticeError::Malformed(format!("the refund: {e}")))?;
        self.apply(&notice).await.inspect_err(|err| {
            if let NoticeError::Mismatch(reason) = err {
                tracing::warn!(
                    security_event = "mismatched_refund_notification",
                    reason,
                    "refused"
                );
            }
        })
    }
}

/// Refund notifications: [`Refunds`] built with the APIv3 key that decrypts them.
#[derive(Clone)]
pub struct RefundNotices(pub Refunds);

/// Verifies and decrypts a notification, logging a forged one as a security event.
fn open(
    pay: &WeChatPayClient,
    headers: NoticeHeaders<'_>,
    body: &[u8],
) -> Result<crate::infra::wechatpay::client::Notification, NoticeError> {
    pay.open_notification(
        headers.serial,
        headers.timestamp,
        headers.nonce,
        headers.signature,
        body,
    )
    .map_err(|err| match err {
        NotifyError::Signature(_) => {
            tracing::warn!(security_event = "forged_payment_notification", error = %err, "refused");
            NoticeError::Forged(err)
        }
        NotifyError::Malformed(reason) => NoticeError::Malformed(reason),
    })
}
