//! WeChat Pay's notifications, payments and refunds alike: verified, decrypted, matched to the
//! order, and applied exactly once.

use std::marker::PhantomData;

use crate::domain::after_sales::{AfterSalesStatus, parse_refund_number};
use crate::domain::ids::OrderId;
use crate::domain::notices::NoticeEvent;
use crate::domain::orders::{NoticeVerdict, Order, Payment, PaymentNotice, RefundNotice};
use crate::domain::reconciliation::ledger::LedgerEntry;
use crate::domain::time::Clock;
use crate::infra::store::{PaidOutcome, StorageError, Store};
use crate::infra::wechatpay::client::{Notification, NotifyError, PayError, WeChatPayClient};
use crate::payments::refunds::{RefundEnd, end_refund};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::messages::Notifier;

/// The headers a notification is verified with.
pub use crate::infra::wechatpay::crypto::SignatureHeaders;

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
    /// The order is paid: its total, in fen (the revenue metric).
    Paid { total_fen: i64 },
    /// A repeat of a notification already handled.
    Duplicate,
    /// Paid after the order was cancelled: refunded (or the refund was already asked).
    Refunded,
    /// Not a payment (another event, or not a success).
    Ignored,
    /// A refund that did not succeed, recorded on its order for an operator.
    NeedsOperator,
}

/// Which notifications a receiver takes: each webhook (`pay-notify`, `refund-notify`) takes
/// its own events and answers any other as ignored.
pub trait NoticeKind: Send + Sync + 'static {
    /// Whether an event of `event_type` is this receiver's.
    fn takes(event_type: &str) -> bool;
    /// Whether applying one may send a subscribe message (only a payment does).
    const SENDS_MESSAGES: bool;
}

/// Payment notifications (`TRANSACTION.SUCCESS`), at `pay-notify`.
pub struct PaymentEvents;

impl NoticeKind for PaymentEvents {
    fn takes(event_type: &str) -> bool {
        event_type == "TRANSACTION.SUCCESS"
    }
    const SENDS_MESSAGES: bool = true;
}

/// Refund notifications (`REFUND.*`), at `refund-notify`.
pub struct RefundEvents;

impl NoticeKind for RefundEvents {
    fn takes(event_type: &str) -> bool {
        event_type.starts_with("REFUND.")
    }
    const SENDS_MESSAGES: bool = false;
}

/// The one receiver of WeChat Pay's notifications: verified, decrypted, matched to the order,
/// and applied exactly once; `K` says which events it takes.
pub struct Notices<K> {
    store: Store,
    pay: WeChatPayClient,
    clock: Clock,
    notifier: Notifier,
    kind: PhantomData<fn() -> K>,
}

/// The receiver of payment notifications.
pub type PaymentNotices = Notices<PaymentEvents>;
/// The receiver of refund notifications.
pub type RefundNotices = Notices<RefundEvents>;

impl<K: NoticeKind> Notices<K> {
    pub fn new(store: Store, pay: WeChatPayClient, clock: Clock, notifier: Notifier) -> Self {
        Self {
            store,
            pay,
            clock,
            notifier,
            kind: PhantomData,
        }
    }

    /// Handles one notification. A forged, stale or mismatched one changes nothing and is logged
    /// as a security event; a repeated one answers success without doing the work again.
    #[tracing::instrument(skip_all)]
    pub async fn receive(
        &self,
        headers: &SignatureHeaders,
        body: &[u8],
    ) -> Result<NoticeOutcome, NoticeError> {
        let notification = open(&self.pay, headers, body)?;
        if !K::takes(&notification.event_type) {
            return Ok(NoticeOutcome::Ignored);
        }
        if notification.event_type.starts_with("REFUND.") {
            self.refunded(&notification).await
        } else {
            self.paid(&notification).await
        }
    }

    /// Applies a verified payment notification.
    async fn paid(&self, notification: &Notification) -> Result<NoticeOutcome, NoticeError> {
        let notice: PaymentNotice = serde_json::from_slice(&notification.resource)
            .map_err(|e| NoticeError::Malformed(format!("the transaction: {e}")))?;
        self.apply_payment(&notice, &notification.id).await
    }

    /// Applies a payment WeChat Pay reported (`source`: the notification's id, or what found it):
    /// matched to its order, which is marked paid exactly once, or refunded when no longer
    /// payable. The one path of every payment, whoever learnt of it.
    pub async fn apply_payment(
        &self,
        notice: &PaymentNotice,
        source: &str,
    ) -> Result<NoticeOutcome, NoticeError> {
        let mismatch = |reason: String| {
            tracing::warn!(
                security_event = "mismatched_payment_notification",
                notification = %source,
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
                .judge(notice, self.pay.mchid(), self.pay.appid())
                .map_err(|e| mismatch(e.to_string()))?;
            match verdict {
                NoticeVerdict::Ignore => return Ok(NoticeOutcome::Ignored),
                NoticeVerdict::AlreadyPaid => return Ok(NoticeOutcome::Duplicate),
                NoticeVerdict::Refund => return self.refund(&order, notice).await,
                NoticeVerdict::Pay => {
                    let payment = Payment::reported(
                        notice.transaction_id.clone(),
                        notice.success_time.as_deref(),
                        self.clock.now(),
                    );
                    match self.store.mark_paid(&order, &payment).await? {
                        PaidOutcome::Paid => {
                            self.notifier
                                .notify(&order.paid(payment), NoticeEvent::OrderPaid)
                                .await;
                            return Ok(NoticeOutcome::Paid {
                                total_fen: order.total_fen,
                            });
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
        let paid = Payment::reported(
            notice.transaction_id.clone(),
            notice.success_time.as_deref(),
            self.clock.now(),
        );
        let new = self
            .store
            .record_refund(
                &out_refund_no,
                order,
                &notice.transaction_id,
                notice.amount.total,
                paid.paid_at,
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

    /// Applies a verified refund notification (decrypted like a payment notification).
    async fn refunded(&self, notification: &Notification) -> Result<NoticeOutcome, NoticeError> {
        let notice: RefundNotice = serde_json::from_slice(&notification.resource)
            .map_err(|e| NoticeError::Malformed(format!("the refund: {e}")))?;
        self.apply_refund(&notice).await.inspect_err(|err| {
            if let NoticeError::Mismatch(reason) = err {
                tracing::warn!(
                    security_event = "mismatched_refund_notification",
                    reason,
                    "refused"
                );
            }
        })
    }

    /// Applies a verified refund notification: a successful full refund of an order's refund number
    /// moves it from REFUNDING to REFUNDED, exactly once.
    async fn apply_refund(&self, notice: &RefundNotice) -> Result<NoticeOutcome, NoticeError> {
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
        if let Some((order_id, number)) = parse_refund_number(&notice.out_refund_no)
            && order_id == order.order_id
        {
            return self.apply_after_sales_refund(order, number, notice).await;
        }
        let now = self.clock.now();
        if notice.out_refund_no != order.refund_number() {
            // A refund of a payment that arrived when the order was not payable: recorded apart,
            // and its success filed in the money book (its order does not change).
            tracing::info!(out_refund_no = %notice.out_refund_no, status = %notice.refund_status, "refund of a late payment");
            if notice.refund_status == "SUCCESS" {
                let entry = LedgerEntry::refund(
                    &order.order_id,
                    &notice.out_refund_no,
                    notice.amount.refund,
                    notice.succeeded_at(now),
                );
                self.store.record_ledger(&entry).await?;
            }
            return Ok(NoticeOutcome::Ignored);
        }
        let succeeded_at = notice.succeeded_at(now);
        Ok(
            match end_refund(&self.store, &order, &notice.refund_status, now, succeeded_at).await? {
                RefundEnd::Refunded => NoticeOutcome::Refunded,
                RefundEnd::Flagged => NoticeOutcome::NeedsOperator,
                RefundEnd::AlreadyEnded | RefundEnd::InProgress => NoticeOutcome::Duplicate,
            },
        )
    }
}

impl<K: NoticeKind> Notices<K> {
    /// Ends the refund of after-sales request `number` of `order` as the notice says, once: a
    /// repeat, or a notice of a refund already ended, changes nothing.
    async fn apply_after_sales_refund(
        &self,
        mut order: Order,
        number: u32,
        notice: &RefundNotice,
    ) -> Result<NoticeOutcome, NoticeError> {
        for _ in 0..3 {
            let Some(entry) = self.store.get_after_sales(&order.order_id, number).await? else {
                return Err(NoticeError::Mismatch("no such after-sales refund".into()));
            };
            if notice.amount.refund != entry.amount_fen {
                return Err(NoticeError::Mismatch("refund amount".into()));
            }
            let endable = match entry.status {
                AfterSalesStatus::Refunding => notice.refund_status != "PROCESSING",
                // A refund WeChat Pay ended ABNORMAL may still succeed once the merchant settles it.
                AfterSalesStatus::Failed => notice.refund_status == "SUCCESS",
                _ => false,
            };
            if !endable {
                return Ok(NoticeOutcome::Duplicate);
            }
            if self
                .store
                .end_after_sales_refund(
                    &order,
                    &entry,
                    &notice.refund_status,
                    self.clock.now(),
                    notice.succeeded_at(self.clock.now()),
                )
                .await?
            {
                return Ok(if notice.refund_status == "SUCCESS" {
                    NoticeOutcome::Refunded
                } else {
                    tracing::error!(order = %order.order_id, number, status = %notice.refund_status, "an after-sales refund did not succeed: needs an operator");
                    NoticeOutcome::NeedsOperator
                });
            }
            // Another refund of this order ended meanwhile: judge again on the order as it is.
            order = self
                .store
                .get_order(&order.order_id)
                .await?
                .ok_or_else(|| NoticeError::Mismatch("no such order".into()))?;
        }
        Err(NoticeError::Storage(StorageError::unavailable(
            "ending the refund",
            "other refunds of the order kept ending at the same time",
        )))
    }
}

/// A receiver is built with the APIv3 key that decrypts notifications; only the payment
/// receiver builds the subscribe messages' sender (a refund sends none).
impl<K: NoticeKind> Build for Notices<K> {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let notifier = if K::SENDS_MESSAGES {
            Notifier::build(startup).await?
        } else {
            Notifier::off()
        };
        Ok(Self::new(
            startup.store(),
            startup.wechat_pay(true).await?,
            startup.clock(),
            notifier,
        ))
    }
}

/// Verifies and decrypts a notification, logging a forged one as a security event.
fn open(pay: &WeChatPayClient, headers: &SignatureHeaders, body: &[u8]) -> Result<Notification, NoticeError> {
    pay.open_notification(headers, body).map_err(|err| match err {
        NotifyError::Signature(_) => {
            tracing::warn!(security_event = "forged_payment_notification", error = %err, "refused");
            NoticeError::Forged(err)
        }
        NotifyError::Malformed(reason) => NoticeError::Malformed(reason),
    })
}
