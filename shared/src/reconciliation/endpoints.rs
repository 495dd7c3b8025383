//! The reconciliation endpoints: `reconcile-payments`, the daily run (EventBridge Scheduler,
//! 10:30 Beijing time, for the day before).

use serde::{Deserialize, Serialize};

use crate::domain::reconciliation::date::BillDate;
use crate::domain::reconciliation::report::Report;
use crate::reconciliation::reconciler::Reconciler;
use crate::runtime::error::ApiError;
use crate::runtime::events::EventHandler;

/// What starts a run: nothing (the schedule: the day before, in Beijing), or a day to redo.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileEvent {
    #[serde(default)]
    pub date: Option<String>,
}

/// What a run logs: the report's figures (the report itself is in the bucket).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub date: String,
    pub rows: usize,
    pub matched: usize,
    pub discrepancies: usize,
    pub healed: usize,
}

impl From<&Report> for RunSummary {
    fn from(report: &Report) -> Self {
        RunSummary {
            date: report.date.clone(),
            rows: report.rows,
            matched: report.matched,
            discrepancies: report.discrepancies.len(),
            healed: report
                .discrepancies
                .iter()
                .filter(|d| d.healed == Some(true))
                .count(),
        }
    }
}

/// The daily reconciliation against WeChat Pay's bills.
pub struct ReconcilePayments;

impl EventHandler for ReconcilePayments {
    const NAME: &'static str = "reconcile-payments";
    type Event = ReconcileEvent;
    type Output = RunSummary;
    type Service = Reconciler;

    async fn handle(reconciler: &Reconciler, event: ReconcileEvent) -> Result<RunSummary, ApiError> {
        let date = match event.date {
            Some(date) => BillDate::parse(&date).ok_or(ApiError::Validation {
                field: "date".into(),
                reason: BillDate::EXPECTING.into(),
            })?,
            None => BillDate::yesterday(reconciler.now()),
        };
        let report = reconciler.reconcile(&date).await?;
        Ok(RunSummary::from(&report))
    }

    fn metrics(summary: &RunSummary) -> Vec<(&'static str, f64)> {
        vec![
            ("Discrepancies", summary.discrepancies as f64),
            ("ReconciledRows", summary.rows as f64),
            ("PaymentsHealed", summary.healed as f64),
        ]
    }
}
