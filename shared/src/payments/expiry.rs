//! The expiry sweep: unpaid orders past their deadline are checked at WeChat Pay, closed,
//! cancelled and restocked (or marked paid), and refunds that never ended are asked about.

use std::time::Duration;

use crate::after_sales::requests::request_refund;
use crate::domain::after_sales::AfterSales;
use crate::domain::notices::NoticeEvent;
use crate::domain::orders::{Order, Payment};
use crate::domain::time::{Clock, Timestamp};
use crate::infra::store::{CancelOutcome, PaidOutcome, Store};
use crate::infra::wechatpay::client::WeChatPayClient;
use crate::payments::pay::PaymentError;
use crate::payments::refunds::{RefundEnd, end_refund, refund_in_full};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::messages::Notifier;

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
    /// Orders and refunds that could not be handled this time (WeChat Pay or the table failed):
    /// logged, counted in the `SweepFailures` metric, and taken again by the next sweep.
    pub failed: usize,
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
            match self.expire(&order).await {
                Ok(Expired::Cancelled) => report.cancelled += 1,
                Ok(Expired::Paid) => report.paid += 1,
                Ok(Expired::Skipped) => report.skipped += 1,
                Err(err) => failed(&mut report, &order, "expiring an order", &err),
            }
        }
        let stalled = self
            .store
            .stalled_refunds(now.minus(REFUND_GRACE), SWEEP_BATCH)
            .await?;
        for order in stalled {
            report.refunds_examined += 1;
            if let Err(err) = self.settle_refund(&order, &mut report).await {
                failed(&mut report, &order, "asking about a refund", &err);
            }
        }
        self.sweep_after_sales(now, &mut report).await?;
        Ok(report)
    }

    /// A whole-order refund asked over [`REFUND_GRACE`] ago: ended as WeChat Pay says, or asked
    /// again when WeChat Pay never got it.
    async fn settle_refund(&self, order: &Order, report: &mut SweepReport) -> Result<(), PaymentError> {
        let Some(state) = self.pay.refund_state(&order.refund_number()).await? else {
            tracing::warn!(order = %order.order_id, "a refund WeChat Pay never received: asked again");
            refund_in_full(&self.pay, order).await?;
            report.refunds_asked_again += 1;
            return Ok(());
        };
        let now = self.clock.now();
        match end_refund(&self.store, order, &state.status, now, state.succeeded_at(now)).await? {
            RefundEnd::Refunded => {
                tracing::warn!(order = %order.order_id, "a lost refund notification: the order is marked refunded");
                report.refunded += 1;
            }
            RefundEnd::Flagged => report.refunds_flagged += 1,
            RefundEnd::InProgress | RefundEnd::AlreadyEnded => {}
        }
        Ok(())
    }

    /// After-sales refunds whose notification never came: asked about, ended, or asked again
    /// (under the same number) when WeChat Pay never got them.
    async fn sweep_after_sales(&self, now: Timestamp, report: &mut SweepReport) -> Result<(), PaymentError> {
        let stalled = self
            .store
            .stalled_after_sales(now.minus(REFUND_GRACE), SWEEP_BATCH)
            .await?;
        for entry in stalled {
            report.refunds_examined += 1;
            if let Err(err) = self.settle_after_sales(&entry, now, report).await {
                tracing::error!(order = %entry.order_id, number = entry.number, error = %err, "the sweep could not handle an after-sales refund; the next sweep takes it again");
                report.failed += 1;
            }
        }
        Ok(())
    }

    async fn settle_after_sales(
        &self,
        entry: &AfterSales,
        now: Timestamp,
        report: &mut SweepReport,
    ) -> Result<(), PaymentError> {
        let Some(order) = self.store.get_order(&entry.order_id).await? else {
            return Ok(());
        };
        let state = self.pay.refund_state(&entry.refund_number()).await?;
        let succeeded_at = state
            .as_ref()
            .map_or(now, |state| state.succeeded_at(self.clock.now()));
        match state.map(|state| state.status) {
            None => {
                tracing::warn!(order = %order.order_id, number = entry.number, "an after-sales refund WeChat Pay never received: asked again");
                request_refund(&self.pay, &order, entry).await?;
                report.refunds_asked_again += 1;
            }
            Some(status) if status == "PROCESSING" => {}
            Some(status) => {
                if self
                    .store
                    .end_after_sales_refund(&order, entry, &status, self.clock.now(), succeeded_at)
                    .await?
                {
                    if status == "SUCCESS" {
                        tracing::warn!(order = %order.order_id, number = entry.number, "a lost refund notification: the request is marked refunded");
                        report.refunded += 1;
                    } else {
                        report.refunds_flagged += 1;
                    }
                }
            }
        }
        Ok(())
    }

    async fn expire(&self, order: &Order) -> Result<Expired, PaymentError> {
        match self.pay.query(order.order_id.as_str()).await? {
            Some(state) if state.trade_state == "SUCCESS" => {
                let payment = Payment::reported(
                    state.transaction_id.unwrap_or_default(),
                    state.success_time.as_deref(),
                    self.clock.now(),
                );
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

/// One order the sweep could not handle: logged with its id, counted, left for the next sweep.
fn failed(report: &mut SweepReport, order: &Order, doing: &str, err: &PaymentError) {
    tracing::error!(order = %order.order_id, error = %err, "the sweep failed {doing}; the next sweep takes it again");
    report.failed += 1;
}

enum Expired {
    Cancelled,
    Paid,
    Skipped,
}

impl Build for Expiry {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Expiry::new(
            startup.store(),
            startup.wechat_pay(false).await?,
            startup.clock(),
            Notifier::build(startup).await?,
            crate::payments::settings::expiry_reminder(&startup.env)?,
        ))
    }
}
