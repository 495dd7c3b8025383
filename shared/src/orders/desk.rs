//! The back office's view of orders: the orders of a day (by state, by the phone's last four
//! digits) and one order's whole file (full address, payment, refunds, parcels, after-sales and
//! its audit lines).

use serde::Serialize;

use crate::domain::after_sales::AfterSales;
use crate::domain::ids::OrderId;
use crate::domain::operators::AuditRecord;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::time::Clock;
use crate::infra::store::{DayFilter, StorageError, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// Audit lines shown with an order.
const AUDIT_LINES: i32 = 50;

/// A day as the console names it: `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|day| day.format("%Y-%m-%d").to_string())
        .filter(|day| day == text)
}

/// Whether `text` is four digits (the end of a phone number).
pub fn is_last4(text: &str) -> bool {
    text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())
}

/// One order's whole file, for an operator.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFile {
    #[serde(flatten)]
    pub order: Order,
    pub after_sales: Vec<AfterSales>,
    /// The operators' writes to it, newest first.
    pub audit: Vec<AuditRecord>,
}

/// The back office's orders. Built once per process.
#[derive(Clone)]
pub struct OrderDesk {
    store: Store,
    clock: Clock,
}

impl OrderDesk {
    pub fn new(store: Store, clock: Clock) -> Self {
        Self { store, clock }
    }

    /// The orders placed on `day` (China time; today when absent), oldest first, a page at a
    /// time, addresses masked.
    pub async fn of_day(
        &self,
        day: Option<String>,
        status: Option<OrderStatus>,
        phone_last4: Option<&str>,
        after: Option<&crate::domain::paging::Position>,
        limit: i32,
    ) -> Result<(Vec<Order>, Option<String>), StorageError> {
        let day = day.unwrap_or_else(|| self.clock.now().china_day());
        let filter = DayFilter { status, phone_last4 };
        let (orders, next) = self.store.orders_of_day(&day, &filter, after, limit).await?;
        Ok((orders.into_iter().map(Order::listed).collect(), next))
    }

    /// One order's file, or `None`: the order, its requests and its audit lines, read at once.
    pub async fn file(&self, order_id: &OrderId) -> Result<Option<OrderFile>, StorageError> {
        let (order, after_sales, audit) = tokio::join!(
            self.store.get_order(order_id),
            self.store.after_sales_of(order_id),
            self.store.audit_of_target(order_id.as_str(), AUDIT_LINES),
        );
        let Some(order) = order? else {
            return Ok(None);
        };
        Ok(Some(OrderFile {
            order,
            after_sales: after_sales?,
            audit: audit?,
        }))
    }
}

impl OrderDesk {
    /// The refunds WeChat Pay ended without success, oldest first (at most 100 of each kind):
    /// whole orders (gsi2 `REFUND_ISSUES`) and after-sales requests (gsi2 `AFTERSALES#FAILED`),
    /// read at once, addresses masked.
    pub async fn refund_issues(&self) -> Result<(Vec<Order>, Vec<AfterSales>), StorageError> {
        let (orders, after_sales) = tokio::join!(
            self.store.refund_issues(100),
            self.store
                .after_sales_in(crate::domain::after_sales::AfterSalesStatus::Failed, None, 100),
        );
        Ok((orders?.into_iter().map(Order::listed).collect(), after_sales?.0))
    }
}

impl Build for OrderDesk {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(OrderDesk::new(startup.store(), startup.clock()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_phone_ends_are_read_strictly() {
        assert_eq!(parse_day("2026-12-04").as_deref(), Some("2026-12-04"));
        for bad in ["2026-12-4", "2026-13-01", "04/12/2026", ""] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert!(is_last4("8000"));
        assert!(!is_last4("800") && !is_last4("80a0") && !is_last4("80000"));
    }
}
