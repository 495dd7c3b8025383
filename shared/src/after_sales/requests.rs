//! A buyer's after-sales requests: asked (the reason through WeChat's content check, the photos
//! the buyer's own `review` uploads), recorded against the order's refund ledger, and, when every
//! unit asked never left, refunded at once under the request's own refund number.

use std::time::Duration;

use crate::domain::after_sales::{
    AfterSales, AfterSalesInput, AfterSalesRefusal, AfterSalesStatus, Decision, OperatorRefundInput,
    ReturnParcel, plan_after_sales, plan_operator_refund,
};
use crate::domain::ids::{Openid, OrderId};
use crate::domain::notices::NoticeEvent;
use crate::domain::orders::Order;
use crate::domain::time::{Clock, Timestamp};
use crate::domain::uploads::{ObjectKey, UploadPurpose};
use crate::infra::access_token::AccessTokenError;
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat::TextScene;
use crate::infra::wechatpay::client::{PayError, WeChatPayClient};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::content_checks::{TextChecks, TextRefusal, Unchecked};
use crate::wechat::messages::Notifier;

/// Requests that lose a race with another change of the order are judged again this many times.
const ATTEMPTS: usize = 3;

/// Why a request could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum AfterSalesError {
    /// No such order, or not the caller's: the same answer either way.
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] AfterSalesRefusal),
    #[error("the reason did not pass WeChat's content check")]
    ReasonRefused,
    #[error("the reason could not be checked")]
    ReasonUnchecked(#[source] AccessTokenError),
    /// Other changes to the order kept winning.
    #[error("the order kept changing; ask again")]
    Contended,
    #[error(transparent)]
    Pay(#[from] PayError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The buyer's side of after-sales. Built once per process.
#[derive(Clone)]
pub struct AfterSalesRequests {
    store: Store,
    pay: WeChatPayClient,
    clock: Clock,
    checks: TextChecks,
    unchecked: Unchecked,
    window: Duration,
}

impl AfterSalesRequests {
    pub fn new(
        store: Store,
        pay: WeChatPayClient,
        clock: Clock,
        checks: TextChecks,
        unchecked: Unchecked,
        window: Duration,
    ) -> Self {
        Self {
            store,
            pay,
            clock,
            checks,
            unchecked,
            window,
        }
    }

    /// Asks for after-sales on the caller's order: one consistent GetItem, the photos' records
    /// (one BatchGetItem), WeChat's content check of the reason, then one TransactWriteItems
    /// (the order's ledger and the request). A refund of units that never left is asked of
    /// WeChat Pay at once (one POST); if WeChat Pay cannot be reached the request stays
    /// REFUNDING and the refund is asked again later under the same number.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn request(
        &self,
        openid: &Openid,
        order_id: &OrderId,
        input: &AfterSalesInput,
    ) -> Result<AfterSales, AfterSalesError> {
        let mut order = load(&self.store, order_id, Some(openid)).await?;
        // Judged before anything is asked of WeChat: a request that cannot be made costs nothing.
        plan_after_sales(&order, &order.refunds, input, self.clock.now(), self.window)?;
        self.check_photos(openid, &input.photos).await?;
        self.checks
            .check(openid, TextScene::Comment, input.reason.trim(), self.unchecked)
            .await
            .map_err(|refusal| match refusal {
                TextRefusal::Refused { .. } => AfterSalesError::ReasonRefused,
                TextRefusal::Unchecked(err) => AfterSalesError::ReasonUnchecked(err),
            })?;
        for _ in 0..ATTEMPTS {
            let entry = plan_after_sales(&order, &order.refunds, input, self.clock.now(), self.window)?;
            if self.store.open_after_sales(&order, &entry).await? {
                tracing::info!(order = %order.order_id, number = entry.number, status = %entry.status, "after-sales requested");
                if entry.status == AfterSalesStatus::Refunding {
                    ask_refund(&self.pay, &order, &entry).await;
                }
                return Ok(entry);
            }
            order = load(&self.store, order_id, Some(openid)).await?;
        }
        Err(AfterSalesError::Contended)
    }
}

/// Asks WeChat Pay for `entry`'s refund under its own number (never refunded twice).
pub(crate) async fn request_refund(
    pay: &WeChatPayClient,
    order: &Order,
    entry: &AfterSales,
) -> Result<(), PayError> {
    pay.refund(
        order.order_id.as_str(),
        &entry.refund_number(),
        order.total_fen,
        entry.amount_fen,
        &refund_reason(&entry.reason),
    )
    .await
}

/// [`request_refund`]; a failure is logged, the request stays REFUNDING and the sweep asks
/// again under the same number.
async fn ask_refund(pay: &WeChatPayClient, order: &Order, entry: &AfterSales) {
    if let Err(err) = request_refund(pay, order, entry).await {
        tracing::error!(order = %order.order_id, number = entry.number, error = %err, "the refund was not asked of WeChat Pay: it will be asked again");
    }
}

/// An order, read consistently; with `owner`, only theirs (anyone else's is not found).
async fn load(store: &Store, order_id: &OrderId, owner: Option<&Openid>) -> Result<Order, AfterSalesError> {
    store
        .get_order(order_id)
        .await?
        .filter(|order| owner.is_none_or(|openid| order.is_owned_by(openid)))
        .ok_or(AfterSalesError::NotFound)
}

impl AfterSalesRequests {
    /// Each photo must be an upload of the caller's for a review (`review` purpose).
    async fn check_photos(&self, openid: &Openid, photos: &[String]) -> Result<(), AfterSalesError> {
        let mut keys = Vec::with_capacity(photos.len());
        let uploader = crate::files::objects::uploader(openid);
        for (i, photo) in photos.iter().enumerate() {
            let key = ObjectKey::owned_by(photo, &uploader).ok_or_else(|| {
                AfterSalesRefusal::invalid(format!("photos[{i}]"), "is not an upload of yours")
            })?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Ok(());
        }
        let purposes = self.store.file_purposes(&keys).await?;
        for (i, key) in keys.iter().enumerate() {
            if purposes.get(key.as_str()) != Some(&UploadPurpose::Review) {
                return Err(AfterSalesRefusal::invalid(
                    format!("photos[{i}]"),
                    "is not an upload of yours for a review (purpose review)",
                )
                .into());
            }
        }
        Ok(())
    }
}

/// Reading an order's requests (no WeChat Pay needed). Built once per process.
#[derive(Clone)]
pub struct AfterSalesBook {
    store: Store,
    clock: Clock,
}

impl AfterSalesBook {
    pub fn new(store: Store, clock: Clock) -> Self {
        Self { store, clock }
    }

    /// The caller's order's requests, oldest first: the order (its owner) and its requests, read
    /// side by side.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn list(
        &self,
        openid: &Openid,
        order_id: &OrderId,
    ) -> Result<Vec<AfterSales>, AfterSalesError> {
        let order = async { load(&self.store, order_id, Some(openid)).await };
        let requests = async { Ok::<_, AfterSalesError>(self.store.after_sales_of(order_id).await?) };
        let (_, requests) = tokio::try_join!(order, requests)?;
        Ok(requests)
    }
}

impl AfterSalesBook {
    /// The requests in `status`, oldest first, after queue position `after`: for operators.
    pub async fn queue(
        &self,
        status: AfterSalesStatus,
        after: Option<&crate::domain::paging::Position>,
        limit: crate::domain::paging::PageSize,
    ) -> Result<(Vec<AfterSales>, Option<String>), AfterSalesError> {
        Ok(self
            .store
            .after_sales_in(status, after, limit.get() as i32)
            .await?)
    }

    /// The caller sends an approved return back, in `parcel`.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn send_back(
        &self,
        openid: &Openid,
        order_id: &OrderId,
        number: u32,
        parcel: ReturnParcel,
    ) -> Result<AfterSales, AfterSalesError> {
        let order = load(&self.store, order_id, Some(openid)).await?;
        decide(
            &self.store,
            order,
            number,
            &Decision::SendBack(parcel),
            self.clock.now(),
        )
        .await
    }

    /// The caller cancels their open request: its units are theirs to ask again.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn cancel(
        &self,
        openid: &Openid,
        order_id: &OrderId,
        number: u32,
    ) -> Result<AfterSales, AfterSalesError> {
        let order = load(&self.store, order_id, Some(openid)).await?;
        decide(&self.store, order, number, &Decision::Cancel, self.clock.now()).await
    }
}

/// Records `decision` of request `number` of `order`, judged again if the order or the request
/// changed meanwhile.
async fn decide(
    store: &Store,
    mut order: Order,
    number: u32,
    decision: &Decision,
    now: Timestamp,
) -> Result<AfterSales, AfterSalesError> {
    for _ in 0..ATTEMPTS {
        let before = store
            .get_after_sales(&order.order_id, number)
            .await?
            .ok_or(AfterSalesError::NotFound)?;
        let mut after = before.decide(decision, now)?;
        if after.status == AfterSalesStatus::Refunding {
            // Units that left since the request was made are no longer put back.
            for line in &mut after.lines {
                let sku = line.sku_ref();
                let in_warehouse = order
                    .items
                    .iter()
                    .find(|l| l.sku_ref() == sku)
                    .map_or(0, |l| order.in_warehouse(l));
                line.restock &= line.quantity <= in_warehouse;
            }
        }
        if store.decide_after_sales(&order, &before, &after).await? {
            tracing::info!(order = %order.order_id, number, status = %after.status, "after-sales decided");
            return Ok(after);
        }
        order = load(store, &order.order_id, None).await?;
    }
    Err(AfterSalesError::Contended)
}

/// The operators' side of after-sales. Built once per process.
#[derive(Clone)]
pub struct AfterSalesDesk {
    store: Store,
    pay: WeChatPayClient,
    notifier: Notifier,
    clock: Clock,
}

impl AfterSalesDesk {
    pub fn new(store: Store, pay: WeChatPayClient, notifier: Notifier, clock: Clock) -> Self {
        Self {
            store,
            pay,
            notifier,
            clock,
        }
    }

    /// Tells the buyer about a decision on their request (when a template is configured).
    async fn tell(&self, order_id: &OrderId, after: &AfterSales) {
        if !self.notifier.sends(NoticeEvent::AfterSalesDecided) {
            return;
        }
        match load(&self.store, order_id, None).await {
            Ok(order) => {
                self.notifier.notify_after_sales(&order, after).await;
            }
            Err(err) => tracing::warn!(error = %err, "no after-sales message: the order did not load"),
        }
    }

    /// Approves request `number` of `order_id`: a `refund` is asked of WeChat Pay at once (its
    /// money reserved on the order, never past what was paid), a `return_refund` waits for the
    /// goods.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn approve(
        &self,
        order_id: &OrderId,
        number: u32,
        amount_fen: Option<i64>,
    ) -> Result<AfterSales, AfterSalesError> {
        let order = load(&self.store, order_id, None).await?;
        let decision = Decision::Approve { amount_fen };
        let after = decide(&self.store, order, number, &decision, self.clock.now()).await?;
        if after.status == AfterSalesStatus::Refunding {
            let order = load(&self.store, order_id, None).await?;
            ask_refund(&self.pay, &order, &after).await;
            self.notifier.notify_after_sales(&order, &after).await;
        } else {
            self.tell(order_id, &after).await;
        }
        Ok(after)
    }

    /// The goods of return `number` of `order_id` arrived: back in their SKUs' stock (once), then
    /// refunded as approved.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn receive(&self, order_id: &OrderId, number: u32) -> Result<AfterSales, AfterSalesError> {
        let order = load(&self.store, order_id, None).await?;
        decide(&self.store, order, number, &Decision::Receive, self.clock.now()).await?;
        self.approve(order_id, number, None).await
    }

    /// Refunds part of `order_id` of the operator's own accord (goodwill, a price adjustment):
    /// recorded as a request of its own, REFUNDING at once, within what is left to refund.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn refund_part(
        &self,
        order_id: &OrderId,
        input: &OperatorRefundInput,
    ) -> Result<AfterSales, AfterSalesError> {
        let mut order = load(&self.store, order_id, None).await?;
        for _ in 0..ATTEMPTS {
            let entry = plan_operator_refund(&order, input, self.clock.now())?;
            if self.store.open_after_sales(&order, &entry).await? {
                tracing::info!(order = %order.order_id, number = entry.number, amount = entry.amount_fen, "operator refund");
                ask_refund(&self.pay, &order, &entry).await;
                self.notifier.notify_after_sales(&order, &entry).await;
                return Ok(entry);
            }
            order = load(&self.store, order_id, None).await?;
        }
        Err(AfterSalesError::Contended)
    }

    /// Rejects request `number` of `order_id` with `reason`: its units are the buyer's to ask again.
    #[tracing::instrument(skip_all, fields(order = %order_id))]
    pub async fn reject(
        &self,
        order_id: &OrderId,
        number: u32,
        reason: String,
    ) -> Result<AfterSales, AfterSalesError> {
        let order = load(&self.store, order_id, None).await?;
        let after = decide(
            &self.store,
            order,
            number,
            &Decision::Reject { reason },
            self.clock.now(),
        )
        .await?;
        self.tell(order_id, &after).await;
        Ok(after)
    }
}

impl Build for AfterSalesDesk {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(AfterSalesDesk::new(
            startup.store(),
            startup.wechat_pay(false).await?,
            Notifier::build(startup).await?,
            startup.clock(),
        ))
    }
}

impl Build for AfterSalesBook {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(AfterSalesBook::new(startup.store(), startup.clock()))
    }
}

/// What WeChat Pay shows the payer: the buyer's reason, cut to WeChat Pay's 80 characters.
fn refund_reason(reason: &str) -> String {
    reason.chars().filter(|c| !c.is_control()).take(80).collect()
}

impl Build for AfterSalesRequests {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(AfterSalesRequests::new(
            startup.store(),
            startup.wechat_pay(false).await?,
            startup.clock(),
            TextChecks::build(startup).await?,
            crate::orders::settings::unchecked_remark(&startup.env)?,
            super::settings::window(&startup.env)?,
        ))
    }
}
