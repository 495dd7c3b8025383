//! The buyer's receipt: WeChat's `trade_manage_order_settlement` push says an order was
//! confirmed received (by the buyer, or automatically) and settled; the order becomes COMPLETED
//! with that time, exactly once however often WeChat pushes it.

use serde_json::Value;

use crate::domain::ids::OrderId;
use crate::domain::orders::OrderStatus;
use crate::domain::time::Timestamp;
use crate::infra::store::{StorageError, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// The settlement push's event name.
pub const SETTLEMENT_EVENT: &str = "trade_manage_order_settlement";

/// What a settlement push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptOutcome {
    /// The order is now COMPLETED.
    Completed,
    /// It already was: a repeat.
    AlreadyCompleted,
    /// Nothing to do, and why (no receipt yet, an order we do not know, another payment...).
    Ignored(&'static str),
}

/// What a settlement push says, as far as an order's receipt goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub order_id: OrderId,
    pub transaction_id: String,
    /// When receipt was confirmed, or the order settled; `None` while neither happened.
    pub received_at: Option<Timestamp>,
}

impl Settlement {
    /// Reads the push's fields (`merchant_trade_no`, `transaction_id`, `confirm_receive_time`,
    /// `settlement_time`, Unix seconds); `None` when it names no order of ours.
    pub fn parse(event: &Value) -> Option<Self> {
        let order_id = OrderId::parse(event["merchant_trade_no"].as_str()?)?;
        let transaction_id = event["transaction_id"].as_str()?.to_owned();
        let seconds = |name: &str| {
            let value = &event[name];
            value
                .as_i64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
                .filter(|secs| *secs > 0)
        };
        let received_at = seconds("confirm_receive_time")
            .or_else(|| seconds("settlement_time"))
            .and_then(Timestamp::from_epoch_secs);
        Some(Self {
            order_id,
            transaction_id,
            received_at,
        })
    }
}

/// Receipts. Built once per process by `wechat-push`.
#[derive(Clone)]
pub struct Receipts {
    store: Store,
}

impl Receipts {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Completes the order `event` names, once: one consistent GetItem, then one conditional
    /// UpdateItem (SHIPPED -> COMPLETED) unless it already is.
    #[tracing::instrument(skip_all)]
    pub async fn settle(&self, event: &Value) -> Result<ReceiptOutcome, StorageError> {
        let Some(settlement) = Settlement::parse(event) else {
            tracing::warn!("a settlement push that names no order of ours");
            return Ok(ReceiptOutcome::Ignored("no order"));
        };
        let Some(received_at) = settlement.received_at else {
            return Ok(ReceiptOutcome::Ignored("not received yet"));
        };
        let Some(order) = self.store.get_order(&settlement.order_id).await? else {
            tracing::warn!(order = %settlement.order_id, "a settlement push for an unknown order");
            return Ok(ReceiptOutcome::Ignored("unknown order"));
        };
        let paid_with = order.payment.as_ref().map(|p| p.transaction_id.as_str());
        if paid_with != Some(settlement.transaction_id.as_str()) {
            tracing::warn!(order = %order.order_id, "a settlement push for another payment of this order");
            return Ok(ReceiptOutcome::Ignored("another payment"));
        }
        match order.status {
            OrderStatus::Completed => Ok(ReceiptOutcome::AlreadyCompleted),
            OrderStatus::Shipped => {
                if self.store.complete_order(&order, received_at).await? {
                    tracing::info!(order = %order.order_id, "order completed: receipt confirmed");
                    Ok(ReceiptOutcome::Completed)
                } else {
                    // Changed meanwhile: completed by a concurrent delivery of the same push.
                    Ok(ReceiptOutcome::AlreadyCompleted)
                }
            }
            status => {
                tracing::warn!(order = %order.order_id, status = %status, "a settlement push for an order that is not shipped");
                Ok(ReceiptOutcome::Ignored("not shipped"))
            }
        }
    }
}

impl Build for Receipts {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Receipts::new(startup.store()))
    }
}
