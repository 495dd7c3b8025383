//! The back office's view of reconciliation: the days reconciled, newest first, and one day's
//! report (its figures, its first differences, and links to the whole report in the bucket).

use std::time::Duration;

use serde::Serialize;

use crate::domain::paging::{Position, QueuePage};
use crate::domain::reconciliation::date::BillDate;
use crate::domain::reconciliation::matching::Discrepancy;
use crate::domain::reconciliation::report::{ReportSummary, Totals};
use crate::domain::time::{Clock, Timestamp};
use crate::infra::s3::S3Gateway;
use crate::infra::store::{StorageError, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// How long the report's links work.
const LINK_TTL: Duration = Duration::from_secs(10 * 60);

/// A day reconciled, as listed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconciledDay {
    pub date: String,
    pub rows: usize,
    pub matched: usize,
    pub discrepancies: usize,
    pub totals: Totals,
    pub generated_at: Timestamp,
}

impl From<ReportSummary> for ReconciledDay {
    fn from(summary: ReportSummary) -> Self {
        ReconciledDay {
            date: summary.date,
            rows: summary.rows,
            matched: summary.matched,
            discrepancies: summary.discrepancies,
            totals: summary.totals,
            generated_at: summary.generated_at,
        }
    }
}

/// One day's report for the console.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconciledDayDetail {
    #[serde(flatten)]
    pub day: ReconciledDay,
    /// The first differences (all of them, up to 100).
    pub first_discrepancies: Vec<Discrepancy>,
    /// The whole report, JSON and CSV: presigned links valid ten minutes.
    pub report_url: String,
    pub csv_url: String,
}

/// The back office's reconciliation reports. Built once per process.
#[derive(Clone)]
pub struct ReconciliationDesk {
    store: Store,
    bucket: S3Gateway,
    clock: Clock,
}

impl ReconciliationDesk {
    /// The days reconciled before `before` (the previous page's `next`), newest first: one Query.
    pub async fn days(
        &self,
        before: Option<&Position>,
        limit: i32,
    ) -> Result<QueuePage<ReconciledDay>, StorageError> {
        let (summaries, next) = self.store.reconciliations(before, limit).await?;
        Ok(QueuePage {
            items: summaries.into_iter().map(ReconciledDay::from).collect(),
            next,
        })
    }

    /// The report of `date`, if that day was reconciled: one GetItem, links signed locally.
    pub async fn day(&self, date: &BillDate) -> Result<Option<ReconciledDayDetail>, StorageError> {
        let Some(summary) = self.store.reconciliation(date.as_str()).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let report_url = self
            .bucket
            .download_url(&summary.report_key, now, LINK_TTL)
            .await?;
        let csv_url = self.bucket.download_url(&summary.csv_key, now, LINK_TTL).await?;
        let first_discrepancies = summary.first_discrepancies.clone();
        Ok(Some(ReconciledDayDetail {
            day: summary.into(),
            first_discrepancies,
            report_url,
            csv_url,
        }))
    }
}

impl Build for ReconciliationDesk {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(ReconciliationDesk {
            store: startup.store(),
            bucket: startup.s3_gateway()?,
            clock: startup.clock(),
        })
    }
}
