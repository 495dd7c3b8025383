//! `listReconciliations` (GET /admin/reconciliations): the days reconciled against WeChat Pay's
//! bills, newest first, with their figures.

use serde::Deserialize;

use crate::domain::operators::Records;
use crate::domain::paging::{PageSize, Position, QueuePage};
use crate::reconciliation::desk::{ReconciledDay, ReconciliationDesk};
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `listReconciliations`' query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListReconciliationsInput {
    #[serde(default)]
    pub limit: PageSize,
    /// The previous page's `next`: the days before it.
    #[serde(default)]
    pub after: Option<Position>,
}

endpoint! {
    /// `GET /admin/reconciliations?limit=&after=`.
    ListReconciliations: GET "list-reconciliations", Staff<Records>, ReconciliationDesk;
    fn(desk, _ctx, input: ListReconciliationsInput) -> QueuePage<ReconciledDay> {
        Ok::<_, crate::ApiError>(desk.days(input.after.as_ref(), input.limit.get() as i32).await?)
    }
}
