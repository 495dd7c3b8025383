//! `listAudit` (GET /admin/audit): the audit log of a day (China time is the console's, records
//! are kept by their UTC day), oldest first, a page at a time; or the latest records of one
//! target (an order, an operator).

use serde::Deserialize;

use crate::domain::operators::{AuditRecord, Records};
use crate::domain::paging::{PageSize, Position, QueuePage};
use crate::operators::accounts::Accounts;
use crate::orders::desk::parse_day;
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `listAudit`'s query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAuditInput {
    /// `YYYY-MM-DD` (UTC); today when absent.
    #[serde(default)]
    pub day: Option<String>,
    /// An order id or an operator id: its latest records instead of a day's.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub limit: PageSize,
    #[serde(default)]
    pub after: Option<Position>,
}

endpoint! {
    /// `GET /admin/audit?day=&target=&limit=&after=`.
    ListAudit: GET "list-audit", Staff<Records>, Accounts;
    fn(accounts, _ctx, input: ListAuditInput) -> QueuePage<AuditRecord> {
        if let Some(target) = &input.target {
            if target.is_empty() || target.len() > 64 {
                return Err(ApiError::validation("target", "must be an order or operator id"));
            }
            let items = accounts.audit_of(target, input.limit.get() as i32).await?;
            return Ok(QueuePage { items, next: None });
        }
        let day = input
            .day
            .map(|day| parse_day(&day).ok_or_else(|| ApiError::validation("day", "must be a date, YYYY-MM-DD")))
            .transpose()?;
        let page = accounts
            .audit_of_day(day, input.after.as_ref(), input.limit.get() as i32)
            .await?;
        Ok::<_, ApiError>(page.into())
    }
}
