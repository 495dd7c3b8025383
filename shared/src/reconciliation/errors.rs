//! How reconciliation's errors read.

use crate::infra::wechatpay::bills::BillError;
use crate::infra::wechatpay::client::PayError;
use crate::reconciliation::reconciler::ReconcileError;
use crate::runtime::error::ApiError;

impl From<ReconcileError> for ApiError {
    fn from(err: ReconcileError) -> Self {
        match err {
            ReconcileError::Storage(err) => err.into(),
            // Not ready yet, or WeChat Pay is down: a later run (Lambda's retry) succeeds.
            ReconcileError::Bill(
                err @ (BillError::NotReady(_) | BillError::Pay(PayError::Unavailable { .. })),
            ) => Self::PayUnavailable {
                context: "fetching WeChat Pay's bills".into(),
                source: Box::new(err),
            },
            // A hash that does not match, a file that is not the documented format, a refusal.
            err => Self::internal("reconciling the day", err),
        }
    }
}
