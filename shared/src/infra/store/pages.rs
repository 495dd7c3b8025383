//! Paginated index queries: one Query per page, an opaque cursor bound to its listing.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::Store;
use super::item::{Attributes, Item, s};
use super::keys::{self, attr, index};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::infra::crypto::sha256;
use crate::infra::storage::StorageError;

/// The longest cursor accepted.
const MAX_CURSOR_BYTES: usize = 512;

/// One listing: a partition of a global secondary index, holding items of one kind.
pub(super) struct Listing {
    pub index: &'static str,
    pub partition: String,
    /// The table key of the items listed, with an empty id (`keys::order("")`).
    pub kind: keys::Key,
    pub newest_first: bool,
}

/// What a cursor holds: the position after the last item of a page, bound to its listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    /// A short digest of the listing's partition.
    p: String,
    /// The index sort key of the last item.
    s: String,
    /// The table partition key of the last item.
    k: String,
}

impl Listing {
    fn key_attributes(&self) -> (&'static str, &'static str) {
        if self.index == index::GSI2 {
            (attr::GSI2PK, attr::GSI2SK)
        } else {
            (attr::GSI1PK, attr::GSI1SK)
        }
    }

    fn digest(&self) -> String {
        hex::encode(&sha256(self.partition.as_bytes())[..8])
    }

    /// The cursor after the item whose index key is `last`.
    fn cursor_after(&self, last: &Attributes) -> Option<String> {
        let (_, index_sk) = self.key_attributes();
        let position = Position {
            p: self.digest(),
            s: Item(last).opt_s(index_sk)?,
            k: Item(last).opt_s(attr::PK)?,
        };
        Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&position).ok()?))
    }

    /// The ExclusiveStartKey rebuilt from a cursor. The partition is the query's own, so a
    /// cursor can only move within the listing it was issued for; anything else is refused.
    fn start_key(&self, cursor: &Cursor) -> Result<Attributes, StorageError> {
        let text = cursor.as_str();
        if text.len() > MAX_CURSOR_BYTES {
            return Err(StorageError::InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| StorageError::InvalidCursor)?;
        let position: Position = serde_json::from_slice(&bytes).map_err(|_| StorageError::InvalidCursor)?;
        let valid = position.p == self.digest()
            && !position.s.is_empty()
            && keys::Key::id_of(&position.k, &self.kind).is_some();
        if !valid {
            return Err(StorageError::InvalidCursor);
        }
        let (index_pk, index_sk) = self.key_attributes();
        Ok(HashMap::from([
            (attr::PK.to_owned(), s(position.k)),
            (attr::SK.to_owned(), s(&self.kind.sk)),
            (index_pk.to_owned(), s(&self.partition)),
            (index_sk.to_owned(), s(position.s)),
        ]))
    }
}

impl Store {
    /// One page of `listing`: a single Query.
    pub(super) async fn query_page<T>(
        &self,
        listing: &Listing,
        limit: PageSize,
        cursor: Option<&Cursor>,
        parse: fn(&Attributes) -> Result<T, StorageError>,
        context: &str,
    ) -> Result<Page<T>, StorageError> {
        let start = cursor.map(|c| listing.start_key(c)).transpose()?;
        let (index_pk, _) = listing.key_attributes();
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
            .map_err(|e| StorageError::from_sdk(context, e))?;
        let items = output.items().iter().map(parse).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = output
            .last_evaluated_key()
            .and_then(|last| listing.cursor_after(last));
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(partition: &str) -> Listing {
        Listing {
            index: index::GSI1,
            partition: partition.into(),
            kind: keys::product(""),
            newest_first: false,
        }
    }

    fn last(position: &str, pk: &str) -> Attributes {
        HashMap::from([
            (attr::PK.to_owned(), s(pk)),
            (attr::GSI1SK.to_owned(), s(position)),
        ])
    }

    #[test]
    fn a_cursor_round_trips_only_in_its_own_listing() {
        let catalog = listing(keys::CATALOG);
        let cursor = Cursor::new(
            catalog
                .cursor_after(&last("0000000010#tea", &keys::product("tea").pk))
                .unwrap(),
        );
        let start = catalog.start_key(&cursor).unwrap();
        assert_eq!(start[attr::GSI1SK], s("0000000010#tea"));
        assert_eq!(start[attr::PK], s(keys::product("tea").pk));
        assert!(matches!(
            listing("CATEGORY#tea").start_key(&cursor),
            Err(StorageError::InvalidCursor)
        ));
    }

    #[test]
    fn garbage_cursors_and_foreign_item_keys_are_refused() {
        let catalog = listing(keys::CATALOG);
        let foreign = catalog.cursor_after(&last("1#x", &keys::order("1").pk)).unwrap();
        for garbage in ["", "!!!", "eyJ4IjoxfQ", &"A".repeat(600), &foreign] {
            assert!(
                matches!(
                    catalog.start_key(&Cursor::new(garbage.to_owned())),
                    Err(StorageError::InvalidCursor)
                ),
                "{garbage}"
            );
        }
    }
}
