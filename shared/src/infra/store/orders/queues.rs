//! The queues the sweeps read: unpaid orders past their deadline, stalled refunds, refund issues
//! (Queries on sparse indexes, never a Scan), and the back office's orders of a day.

use super::super::Store;
use super::super::item::s;
use super::super::keys::{self, attr, field, index};
use super::super::queues_pages::Partition;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::paging::Position;
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

use super::*;

impl Store {
    /// Up to `limit` orders still awaiting payment whose deadline is before `before`, oldest
    /// first: one Query on the sparse GSI2 partition of unpaid orders (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn overdue_orders(&self, before: Timestamp, limit: i32) -> Result<Vec<Order>, StorageError> {
        self.queued_orders(keys::UNPAID, before, limit).await
    }

    /// Up to `limit` orders whose refund was asked before `before` and has not ended, oldest
    /// first: one Query on the sparse GSI2 partition of refunding orders (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn stalled_refunds(&self, before: Timestamp, limit: i32) -> Result<Vec<Order>, StorageError> {
        self.queued_orders(keys::REFUNDING, before, limit).await
    }

    /// Up to `limit` orders whose refund WeChat Pay ended without success, oldest first: one Query
    /// on the sparse GSI2 partition of refund issues (no Scan).
    #[tracing::instrument(skip_all)]
    pub async fn refund_issues(&self, limit: i32) -> Result<Vec<Order>, StorageError> {
        let end_of_time = Timestamp::from_epoch_secs(253_402_300_799)
            .ok_or_else(|| StorageError::failed("finding refund issues", "no end of time"))?;
        self.queued_orders(keys::REFUND_ISSUES, end_of_time, limit).await
    }

    async fn queued_orders(
        &self,
        queue: &str,
        before: Timestamp,
        limit: i32,
    ) -> Result<Vec<Order>, StorageError> {
        let output = self
            .client
            .query()
            .table_name(self.table())
            .index_name(index::GSI2)
            .key_condition_expression("#pk = :pk AND #sk < :before")
            .expression_attribute_names("#pk", attr::GSI2PK)
            .expression_attribute_names("#sk", attr::GSI2SK)
            .expression_attribute_values(":pk", s(queue))
            .expression_attribute_values(":before", s(before.to_string()))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("finding queued orders", e))?;
        output.items().iter().map(order_from).collect()
    }

    /// Orders placed on `day` (China time), oldest first, after position `after`: one Query of
    /// the day's GSI3 partition (no Scan), filtered by `status` and the phone's last four digits
    /// when asked (a filtered page may hold fewer than `limit`; `next` goes on).
    #[tracing::instrument(skip_all)]
    pub async fn orders_of_day(
        &self,
        day: &str,
        filter: &DayFilter<'_>,
        after: Option<&Position>,
        limit: i32,
    ) -> Result<(Vec<Order>, Option<String>), StorageError> {
        let partition = Partition {
            index: Some(index::GSI3),
            pk: attr::GSI3PK,
            sk: attr::GSI3SK,
            value: keys::orders_of_day(day),
        };
        let mut query = self.queue_query(&partition, after, limit);
        let mut filters = Vec::new();
        if let Some(status) = filter.status {
            filters.push("#status = :status");
            query = query
                .expression_attribute_names("#status", field::order::STATUS)
                .expression_attribute_values(":status", s(status.as_str()));
        }
        if let Some(phone) = filter.phone_last4 {
            filters.push("#phone = :phone");
            query = query
                .expression_attribute_names("#phone", field::order::PHONE_LAST4)
                .expression_attribute_values(":phone", s(phone));
        }
        if !filters.is_empty() {
            query = query.filter_expression(filters.join(" AND "));
        }
        self.queue_page(query, attr::GSI3SK, order_from, "listing the day's orders")
            .await
    }
}

/// What a day's listing keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayFilter<'a> {
    pub status: Option<OrderStatus>,
    /// The last four digits of the delivery phone.
    pub phone_last4: Option<&'a str>,
}

impl Store {
    /// The orders of `ids` that exist (in no particular order): one BatchGetItem per 100 ids.
    #[tracing::instrument(skip_all)]
    pub async fn get_orders(&self, ids: &[OrderId]) -> Result<Vec<Order>, StorageError> {
        let keys: Vec<keys::Key> = ids.iter().map(|id| keys::order(id.as_str())).collect();
        self.batch_get(&keys, None, "loading orders")
            .await?
            .iter()
            .map(order_from)
            .collect()
    }
}
