//! Paginated index queries: one Query per page, an opaque cursor bound to its listing.

use std::collections::HashMap;

use super::Store;
use super::item::{Attributes, Item, s, storage_error};
use super::keys::{self, attr, index};
use crate::catalog::{Cursor, Page, PageSize};
use crate::error::ApiError;

/// One listing: a partition of a global secondary index, holding items of one kind.
pub(super) struct Listing {
    pub index: &'static str,
    pub partition: String,
    /// The table key of the items listed, with an empty id (`keys::order("")`).
    pub kind: keys::Key,
    pub newest_first: bool,
}

impl Listing {
    fn key_attributes(&self) -> (&'static str, &'static str) {
        if self.index == index::GSI2 {
            (attr::GSI2PK, attr::GSI2SK)
        } else {
            (attr::GSI1PK, attr::GSI1SK)
        }
    }

    /// The ExclusiveStartKey rebuilt from a cursor. The partition is the query's own, so a
    /// cursor can only move within the listing it was issued for.
    fn start_key(&self, cursor: &str) -> Result<Attributes, ApiError> {
        let (position, item_pk) = Cursor::decode(cursor, &self.partition)?;
        let prefix = self.kind.pk.as_str();
        if !item_pk.starts_with(prefix) || item_pk.len() == prefix.len() {
            return Err(ApiError::InvalidCursor);
        }
        let (index_pk, index_sk) = self.key_attributes();
        Ok(HashMap::from([
            (attr::PK.to_owned(), s(item_pk)),
            (attr::SK.to_owned(), s(&self.kind.sk)),
            (index_pk.to_owned(), s(&self.partition)),
            (index_sk.to_owned(), s(position)),
        ]))
    }
}

impl Store {
    /// One page of `listing`: a single Query.
    pub(super) async fn query_page<T>(
        &self,
        listing: &Listing,
        limit: PageSize,
        cursor: Option<&str>,
        parse: fn(&Attributes) -> Result<T, ApiError>,
        context: &str,
    ) -> Result<Page<T>, ApiError> {
        let start = cursor.map(|c| listing.start_key(c)).transpose()?;
        let (index_pk, index_sk) = listing.key_attributes();
        let output = self
            .client
            .query()
            .table_name(self.table())
            .index_name(listing.index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", index_pk)
            .expression_attribute_values(":pk", s(&listing.partition))
            .scan_index_forward(!listing.newest_first)
            .limit(limit.get() as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| storage_error(context, e))?;
        let items = output.items().iter().map(parse).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = output.last_evaluated_key().and_then(|last| {
            let position = Item(last).opt_s(index_sk)?;
            let item_pk = Item(last).opt_s(attr::PK)?;
            Some(Cursor::new(&listing.partition, position, item_pk).encode())
        });
        Ok(Page { items, next_cursor })
    }
}
