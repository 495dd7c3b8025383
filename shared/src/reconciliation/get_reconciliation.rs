//! `getReconciliation` (GET /admin/reconciliations/{date}): one day's report: its figures, its
//! first 100 differences, and links to the whole report (JSON, CSV) in the bucket.

use serde::Deserialize;

use crate::domain::operators::Records;
use crate::domain::reconciliation::date::BillDate;
use crate::reconciliation::desk::{ReconciledDayDetail, ReconciliationDesk};
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// The `{date}` of the route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetReconciliationInput {
    pub date: String,
}

endpoint! {
    /// `GET /admin/reconciliations/{date}`: 404 when that day was not reconciled.
    GetReconciliation: GET "get-reconciliation", Staff<Records>, ReconciliationDesk;
    fn(desk, _ctx, input: GetReconciliationInput) -> ReconciledDayDetail {
        let date = BillDate::parse(&input.date).ok_or_else(|| ApiError::validation("date", BillDate::EXPECTING))?;
        desk.day(&date).await?.ok_or(ApiError::NotFound("reconciliation"))
    }
}
