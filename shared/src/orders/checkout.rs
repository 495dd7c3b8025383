//! Checkout: placing, reading and cancelling the caller's orders. Placing is read-price-write
//! with idempotency, bounded retries on transaction conflicts, and exact stock under any
//! concurrency.

use std::time::Duration;

use crate::domain::ids::{Openid, OrderId, ProductId};
use crate::domain::orders::{
    HoldingLimits, IDEMPOTENCY_TTL, IdempotencyKey, Order, OrderError, OrderRequest, Remark, build_order,
};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::domain::time::Clock;
use crate::infra::access_token::AccessTokenError;
use crate::infra::crypto::{random_u64, sha256_hex};
use crate::infra::retry::{Backoff, Exhausted};
use crate::infra::store::{CancelOutcome, CreateOutcome, Cursors, IdempotencyRecord, StorageError, Store};
use crate::infra::wechat::TextScene;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::content_checks::{Checked, TextChecks, TextRefusal, Unchecked};

/// Transactions that lose a conflict are tried again: 4 attempts in all, 25-50 ms, then 50-100 ms...
const CONTENDED: Backoff = Backoff {
    attempts: 4,
    base: Duration::from_millis(50),
    max: Duration::from_millis(400),
    jitter: true,
};

/// Why a checkout request failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// The order breaks a domain rule (shape, availability, stock, price).
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error("the Idempotency-Key header is missing or malformed")]
    InvalidIdempotencyKey,
    #[error("this Idempotency-Key was already used for a different order")]
    IdempotencyKeyReused,
    /// No such order, or not the caller's: the same answer either way.
    #[error("order not found")]
    NotFound,
    /// Other writers kept winning: retry later.
    #[error("{context}: transaction conflicts")]
    Contended {
        context: &'static str,
        #[source]
        source: Exhausted,
    },
    /// The idempotency record names an order that is not there.
    #[error("the order recorded for this Idempotency-Key is missing")]
    ReplayMissing,
    /// WeChat's content check refused the remark: nothing was written.
    #[error("the remark did not pass WeChat's content check")]
    RemarkRefused,
    /// WeChat's content check could not be asked, and the policy refuses unchecked remarks.
    #[error("the remark could not be checked")]
    RemarkUnchecked(#[source] AccessTokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Order remarks' content check (`msg_sec_check`, scene "comment") and what happens when WeChat
/// cannot be asked. Built once per process by `submit-order`.
#[derive(Clone)]
pub struct RemarkChecks {
    checks: TextChecks,
    unchecked: Unchecked,
}

impl RemarkChecks {
    pub fn new(checks: TextChecks, unchecked: Unchecked) -> Self {
        Self { checks, unchecked }
    }

    /// Whether `remark` may be stored, and whether it must be flagged as unchecked.
    async fn check(&self, openid: &Openid, remark: &Remark) -> Result<Checked, CheckoutError> {
        self.checks
            .check(openid, TextScene::Comment, remark.as_str(), self.unchecked)
            .await
            .map_err(|refusal| match refusal {
                TextRefusal::Refused { .. } => CheckoutError::RemarkRefused,
                TextRefusal::Unchecked(err) => CheckoutError::RemarkUnchecked(err),
            })
    }
}

/// The caller's orders.
#[derive(Clone)]
pub struct Checkout {
    store: Store,
    limits: HoldingLimits,
    clock: Clock,
}

impl Checkout {
    pub fn new(store: Store, limits: HoldingLimits, clock: Clock) -> Self {
        Self { store, limits, clock }
    }

    /// Places an order for `openid`. On the happy path: one BatchGetItem (the products and the
    /// idempotency record) and one TransactWriteItems (stock, order, record and the user's
    /// holdings together, so no concurrency can exceed the hoarding caps). A remark is checked by
    /// WeChat first (one call), except when the key is replayed; without `remarks` (the admin
    /// tool) an order with a remark is refused as unchecked.
    #[tracing::instrument(skip_all)]
    pub async fn submit(
        &self,
        openid: &Openid,
        key: &IdempotencyKey,
        request: &OrderRequest,
        remarks: Option<&RemarkChecks>,
    ) -> Result<Order, CheckoutError> {
        request.validate()?;
        self.limits.check_lines(request)?;
        let digest = sha256_hex(key.scoped_to(openid).as_bytes());
        let fingerprint = sha256_hex(&request.canonical_bytes());
        let ids: Vec<&ProductId> = request.product_ids();
        let mut attempts = CONTENDED.start();
        let mut remark_checked = None;
        loop {
            let (products, record) = self.store.load_for_order(&ids, &digest, self.clock.now()).await?;
            if let Some(record) = record {
                return self.replay(&record, &fingerprint, openid).await;
            }
            let now = self.clock.now();
            let order_id = OrderId::generate(now, random_u64());
            let mut order = build_order(request, &products, openid, order_id, now)?;
            if let Some(remark) = &request.remark {
                let checked = match remark_checked {
                    Some(checked) => checked,
                    None => {
                        let remarks =
                            remarks.ok_or(CheckoutError::RemarkUnchecked(AccessTokenError::NotReady))?;
                        *remark_checked.insert(remarks.check(openid, remark).await?)
                    }
                };
                order.remark_unchecked = checked == Checked::Unchecked;
            }
            let record = IdempotencyRecord {
                digest: digest.clone(),
                order_id: order.order_id.clone(),
                fingerprint: fingerprint.clone(),
                expires_at: now.plus(IDEMPOTENCY_TTL),
            };
            match self.store.create_order(&order, &record, &self.limits).await? {
                CreateOutcome::Created => return Ok(order),
                CreateOutcome::Held(holdings) => {
                    return Err(OrderError::HoldingLimit {
                        holdings,
                        limits: self.limits,
                    }
                    .into());
                }
                CreateOutcome::Short(shortages) => return Err(OrderError::OutOfStock { shortages }.into()),
                CreateOutcome::KeyTaken => {
                    if let Some(record) = self.store.get_idempotency(&digest, self.clock.now()).await? {
                        return self.replay(&record, &fingerprint, openid).await;
                    }
                }
                CreateOutcome::Conflict => {}
            }
            attempts.wait().await.map_err(|source| CheckoutError::Contended {
                context: "writing the order",
                source,
            })?;
        }
    }

    /// Answers a repeated request with the order its key created; another body under the same
    /// key is refused.
    async fn replay(
        &self,
        record: &IdempotencyRecord,
        fingerprint: &str,
        openid: &Openid,
    ) -> Result<Order, CheckoutError> {
        if record.fingerprint != fingerprint {
            return Err(CheckoutError::IdempotencyKeyReused);
        }
        self.store
            .get_order(&record.order_id)
            .await?
            .filter(|order| order.is_owned_by(openid))
            .ok_or(CheckoutError::ReplayMissing)
    }

    /// Cancels the caller's PENDING_PAYMENT order and restores its stock exactly once.
    /// Cancelling a cancelled order answers it unchanged.
    #[tracing::instrument(skip_all)]
    pub async fn cancel(&self, openid: &Openid, order_id: &OrderId) -> Result<Order, CheckoutError> {
        let mut attempts = CONTENDED.start();
        loop {
            let order = self.get(openid, order_id).await?;
            if !order.is_cancellable() {
                return Ok(order);
            }
            let now = self.clock.now();
            match self.store.cancel_order(&order, now).await? {
                CancelOutcome::Cancelled => return Ok(order.cancelled(now)),
                // Changed meanwhile (the next read shows how), or contended: try again.
                CancelOutcome::AlreadyChanged | CancelOutcome::Conflict => {}
            }
            attempts.wait().await.map_err(|source| CheckoutError::Contended {
                context: "cancelling the order",
                source,
            })?;
        }
    }

    /// The order if it exists and belongs to `openid`; otherwise [`CheckoutError::NotFound`] either way.
    pub async fn get(&self, openid: &Openid, order_id: &OrderId) -> Result<Order, CheckoutError> {
        self.store
            .get_order(order_id)
            .await?
            .filter(|order| order.is_owned_by(openid))
            .ok_or(CheckoutError::NotFound)
    }

    /// One page of the caller's orders, newest first. One Query.
    pub async fn list(
        &self,
        openid: &Openid,
        limit: PageSize,
        cursor: Option<&Cursor>,
        cursors: &Cursors,
    ) -> Result<Page<Order>, CheckoutError> {
        let mut page = self.store.list_orders(openid, limit, cursor, cursors).await?;
        // A list shows addresses masked; the order itself (`get`) shows its owner all of it.
        page.items = page.items.into_iter().map(Order::listed).collect();
        Ok(page)
    }
}

impl Build for Checkout {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Checkout::new(
            startup.store(),
            crate::orders::settings::holding_limits(&startup.env)?,
            startup.clock(),
        ))
    }
}

impl Build for RemarkChecks {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(RemarkChecks::new(
            TextChecks::build(startup).await?,
            crate::orders::settings::unchecked_remark(&startup.env)?,
        ))
    }
}
