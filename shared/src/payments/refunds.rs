//! Full refunds of paid orders, asked by their owner or by an operator, and how a refund ends.

use crate::domain::ids::{Openid, OrderId};
use crate::domain::orders::{Order, OrderStatus, RefundRefusal};
use crate::domain::time::{Clock, Timestamp};
use crate::infra::store::{CancelOutcome, StorageError, Store};
use crate::infra::wechatpay::client::{PayError, WeChatPayClient};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// Asks WeChat Pay to refund all of `order` under its refund number (never refunded twice).
pub(crate) async fn refund_in_full(pay: &WeChatPayClient, order: &Order) -> Result<(), PayError> {
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
pub(crate) enum RefundEnd {
    /// REFUNDING -> REFUNDED, the stock put back, exactly once.
    Refunded,
    /// Did not succeed (`ABNORMAL`, `CLOSED`): recorded on the order for an operator.
    Flagged,
    /// Still under way at WeChat Pay.
    InProgress,
    /// The order had already moved on (a repeat, or another notice first).
    AlreadyEnded,
}

/// Applies WeChat Pay's `status` of an order's refund (from a notification or a query); a
/// success is filed in the money book under `succeeded_at`.
pub(crate) async fn end_refund(
    store: &Store,
    order: &Order,
    status: &str,
    now: Timestamp,
    succeeded_at: Timestamp,
) -> Result<RefundEnd, StorageError> {
    match status {
        "SUCCESS" => match store.complete_refund(order, now, succeeded_at).await? {
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

/// The longest refund status recorded on an order (WeChat Pay's are short words).
const MAX_REFUND_STATUS: usize = 32;

/// Why a refund could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// No such order, or not the caller's: the same answer either way.
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    NotRefundable(#[from] RefundRefusal),
    /// After-sales requests refund parts of this order: the rest is asked there.
    #[error("this order has after-sales requests: ask for the rest of its refund there")]
    HasAfterSales,
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
                if !order.refunds.is_empty() {
                    return Err(RefundError::HasAfterSales);
                }
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
                        _ if !order.refunds.is_empty() => return Err(RefundError::HasAfterSales),
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
}

impl Build for Refunds {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Refunds::new(
            startup.store(),
            startup.wechat_pay(false).await?,
            startup.clock(),
        ))
    }
}
