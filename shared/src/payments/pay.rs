//! Paying for an order with WeChat Pay (JSAPI, the mini-program payment): a prepay, reused while it
//! is valid, and the signed parameters of `wx.requestPayment`.

use std::time::Duration;

use crate::domain::ids::{Openid, OrderId};
use crate::domain::orders::{OrderStatus, PayRefusal, Prepay};
use crate::domain::time::Clock;
use crate::infra::store::{StorageError, Store};
use crate::infra::wechatpay::client::{PayError, PrepayRequest, WeChatPayClient};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// What paying answers: the parameters of `wx.requestPayment`, signed.
pub use crate::infra::wechatpay::client::PaymentParams;

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

impl Build for Payments {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Payments::new(
            startup.store(),
            startup.wechat_pay(false).await?,
            startup.clock(),
        ))
    }
}
