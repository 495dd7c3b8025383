//! Queue listings for operators: one Query of one partition (of the table or an index), oldest
//! first, going on after the sort key a previous page ended at. The position is the sort key
//! itself: these listings are behind the console's sign-in, and a forged position only skips
//! within the same partition.

use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::Store;
use super::item::{Attributes, s};
use crate::domain::paging::Position;
use crate::infra::storage::StorageError;

/// One partition to list: its index (none: the table), key attribute names and value.
pub(super) struct Partition<'a> {
    pub index: Option<&'a str>,
    pub pk: &'a str,
    pub sk: &'a str,
    pub value: String,
}

impl Store {
    /// The Query of `partition`'s items after `after`, at most `limit`; the caller may add a
    /// filter before sending it to [`Store::queue_page`].
    pub(super) fn queue_query(
        &self,
        partition: &Partition<'_>,
        after: Option<&Position>,
        limit: i32,
    ) -> QueryFluentBuilder {
        let query = self
            .client
            .query()
            .table_name(self.table())
            .set_index_name(partition.index.map(str::to_owned))
            .expression_attribute_names("#pk", partition.pk)
            .expression_attribute_values(":pk", s(&partition.value))
            .limit(limit);
        match after {
            Some(after) => query
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#sk", partition.sk)
                .expression_attribute_values(":after", s(after.as_str())),
            None => query.key_condition_expression("#pk = :pk"),
        }
    }

    /// Sends `query` and reads its items with `read`: the page and where the next one starts
    /// (`None` on the last).
    pub(super) async fn queue_page<T>(
        &self,
        query: QueryFluentBuilder,
        sk: &str,
        read: impl Fn(&Attributes) -> Result<T, StorageError>,
        context: &str,
    ) -> Result<(Vec<T>, Option<String>), StorageError> {
        let output: QueryOutput = query
            .send()
            .await
            .map_err(|e| StorageError::from_sdk(context, e))?;
        let items = output.items().iter().map(read).collect::<Result<_, _>>()?;
        let next = output
            .last_evaluated_key()
            .and_then(|last| last.get(sk))
            .and_then(|position| position.as_s().ok().cloned());
        Ok((items, next))
    }
}
