//! Submitting and cancelling orders: the read-price-write flow with idempotency, bounded
//! retries on transaction conflicts, and exact stock under any concurrency.

use std::time::Duration;

use crate::catalog::ProductId;
use crate::error::{ApiError, Conflict};
use crate::orders::{
    IDEMPOTENCY_TTL, IdempotencyKey, Order, OrderRequest, OrderStatus, build_order, new_order_id,
    out_of_stock,
};
use crate::store::{CancelOutcome, CreateOutcome, IdempotencyRecord, Store};
use crate::time::Timestamp;

/// Attempts before a contended write gives up with a 503.
const MAX_ATTEMPTS: u32 = 4;

/// Places an order for `openid`. On the happy path: one BatchGetItem (the products and the
/// idempotency record) and one TransactWriteItems (stock, order and record together).
#[tracing::instrument(skip_all)]
pub async fn submit_order(
    store: &Store,
    openid: &str,
    key: &IdempotencyKey,
    request: &OrderRequest,
) -> Result<Order, ApiError> {
    request.validate()?;
    let digest = key.scoped_digest(openid);
    let fingerprint = request.fingerprint();
    let ids: Vec<&ProductId> = request.items.iter().map(|line| &line.product_id).collect();
    for attempt in 1..=MAX_ATTEMPTS {
        let (products, record) = store.load_for_order(&ids, &digest).await?;
        if let Some(record) = record {
            return replay(store, &record, &fingerprint, openid).await;
        }
        let now = Timestamp::now();
        let order = build_order(request, &products, openid, new_order_id(now), now)?;
        let record = IdempotencyRecord {
            digest: digest.clone(),
            order_id: order.order_id.clone(),
            fingerprint: fingerprint.clone(),
            expires_at: now.plus(IDEMPOTENCY_TTL),
        };
        match store.create_order(&order, &record).await? {
            CreateOutcome::Created => return Ok(order),
            CreateOutcome::Short(shortages) => return Err(out_of_stock(shortages)),
            CreateOutcome::KeyTaken => {
                if let Some(record) = store.get_idempotency(&digest).await? {
                    return replay(store, &record, &fingerprint, openid).await;
                }
            }
            CreateOutcome::Conflict => jitter(attempt).await,
        }
    }
    Err(contended("writing the order"))
}

/// Answers a repeated request with the order its key created; another body under the same key is refused.
async fn replay(
    store: &Store,
    record: &IdempotencyRecord,
    fingerprint: &str,
    openid: &str,
) -> Result<Order, ApiError> {
    if record.fingerprint != fingerprint {
        return Err(ApiError::conflict(
            Conflict::IdempotencyKeyReused,
            "this Idempotency-Key was already used for a different order; use a new key",
            None,
        ));
    }
    store
        .get_order(&record.order_id)
        .await?
        .filter(|order| order.openid == openid)
        .ok_or_else(|| ApiError::internal("replaying an idempotent request", "the recorded order is missing"))
}

/// Cancels the caller's PENDING_PAYMENT order and restores its stock exactly once. Cancelling
/// a cancelled order answers it unchanged. Someone else's order is "not found".
#[tracing::instrument(skip_all)]
pub async fn cancel_order(store: &Store, openid: &str, order_id: &str) -> Result<Order, ApiError> {
    for attempt in 1..=MAX_ATTEMPTS {
        let order = owned_order(store, openid, order_id).await?;
        if order.status == OrderStatus::Cancelled {
            return Ok(order);
        }
        let now = Timestamp::now();
        match store.cancel_order(&order, now).await? {
            CancelOutcome::Cancelled => {
                return Ok(Order {
                    status: OrderStatus::Cancelled,
                    cancelled_at: Some(now),
                    updated_at: now,
                    ..order
                });
            }
            CancelOutcome::AlreadyChanged => {}
            CancelOutcome::Conflict => jitter(attempt).await,
        }
    }
    Err(contended("cancelling the order"))
}

/// The order if it exists and belongs to `openid`; otherwise the same 404 either way.
pub async fn owned_order(store: &Store, openid: &str, order_id: &str) -> Result<Order, ApiError> {
    let valid_id =
        !order_id.is_empty() && order_id.len() <= 32 && order_id.bytes().all(|b| b.is_ascii_digit());
    if !valid_id {
        return Err(ApiError::NotFound("order"));
    }
    store
        .get_order(order_id)
        .await?
        .filter(|order| order.openid == openid)
        .ok_or(ApiError::NotFound("order"))
}

/// Sleeps 25..75 ms x attempt, at random, so contending retries spread out.
async fn jitter(attempt: u32) {
    let mut byte = [0u8; 1];
    let _ = aws_lc_rs::rand::fill(&mut byte);
    let millis = (25 + u64::from(byte[0]) * 50 / 255) * u64::from(attempt);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

fn contended(context: &str) -> ApiError {
    ApiError::StorageUnavailable {
        context: context.to_owned(),
        source: format!("transaction conflicts on {MAX_ATTEMPTS} attempts").into(),
    }
}
