//! How orders' errors read: each becomes an [`ApiError`] with its code, status and
//! the `details` a client can act on.

use serde_json::json;

use crate::domain::orders::OrderError;
use crate::infra::access_token::AccessTokenError;
use crate::orders::checkout::CheckoutError;
use crate::runtime::error::{ApiError, Conflict};

impl From<OrderError> for ApiError {
    fn from(err: OrderError) -> Self {
        let message = err.to_string();
        match err {
            OrderError::Invalid { field, reason } => Self::validation(field, reason),
            OrderError::ProductsUnavailable { shortages } => Self::ProductsUnavailable {
                message,
                details: json!({ "products": shortages }),
            },
            OrderError::OutOfStock { shortages } => Self::conflict(
                Conflict::OutOfStock,
                message,
                Some(json!({ "products": shortages })),
            ),
            OrderError::PriceChanged { total_fen, .. } => Self::conflict(
                Conflict::PriceChanged,
                message,
                Some(json!({ "totalFen": total_fen })),
            ),
            OrderError::HoldingLimit { holdings, limits } => {
                let products: Vec<_> = holdings
                    .units
                    .iter()
                    .map(|(sku, held)| {
                        json!({ "productId": sku.product_id, "skuId": sku.sku_id, "pendingUnits": held })
                    })
                    .collect();
                Self::conflict(
                    Conflict::HoldingLimit,
                    message,
                    Some(json!({
                        "pendingOrders": holdings.pending_orders,
                        "maxPendingOrders": limits.max_pending_orders,
                        "maxUnitsPerProduct": limits.max_units_per_product,
                        "products": products,
                    })),
                )
            }
            err @ OrderError::TotalOverflow => Self::internal("pricing the order", err),
        }
    }
}

impl From<CheckoutError> for ApiError {
    fn from(err: CheckoutError) -> Self {
        match err {
            CheckoutError::Order(err) => err.into(),
            CheckoutError::InvalidIdempotencyKey => Self::InvalidIdempotencyKey,
            CheckoutError::IdempotencyKeyReused => Self::conflict(
                Conflict::IdempotencyKeyReused,
                "this Idempotency-Key was already used for a different order; use a new key",
                None,
            ),
            CheckoutError::NotFound => Self::NotFound("order"),
            CheckoutError::Contended { context, source } => Self::StorageUnavailable {
                context: context.into(),
                source: Box::new(source),
            },
            err @ CheckoutError::ReplayMissing => Self::internal("replaying an idempotent request", err),
            CheckoutError::RemarkRefused => Self::ContentRefused { field: "remark" },
            CheckoutError::RemarkUnchecked(AccessTokenError::Storage(err)) => err.into(),
            err @ CheckoutError::RemarkUnchecked(_) => Self::WeChatUnavailable {
                context: "checking the remark".into(),
                source: Box::new(err),
            },
            CheckoutError::Storage(err) => err.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortage_becomes_a_409_naming_every_product_in_details() {
        let shortage = crate::domain::orders::Shortage {
            product_id: crate::domain::ids::ProductId::parse("pen").unwrap(),
            sku_id: crate::domain::catalog::SkuId::parse("blue").unwrap(),
            reason: crate::domain::orders::ShortageReason::OutOfStock,
            available: Some(1),
        };
        let err = ApiError::from(OrderError::OutOfStock {
            shortages: vec![shortage],
        });
        assert_eq!((err.status(), err.code()), (409, 40901));
        assert_eq!(
            err.details().unwrap(),
            &json!({"products": [{"productId": "pen", "skuId": "blue", "reason": "OUT_OF_STOCK", "available": 1}]})
        );
        assert!(err.to_string().contains("pen/blue"), "{err}");
    }
}
