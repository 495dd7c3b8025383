//! Paginated index queries: one Query per page, and an opaque cursor bound to its listing and
//! authenticated (HMAC-SHA256 under a configured key): a cursor we did not issue for this
//! listing, tampered or forged, is refused.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::Store;
use super::item::{Attributes, Item, s};
use super::keys::{self, attr, index};
use crate::domain::paging::{Cursor, Page, PageSize};
use crate::infra::crypto::{MacKey, Secret};
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

/// Signs and checks cursors. Built once per process by the listing functions.
#[derive(Clone, Debug)]
pub struct Cursors(MacKey);

impl Cursors {
    pub fn new(key: &Secret) -> Self {
        Self(MacKey::new(key))
    }

    /// `base64url(position).base64url(tag)`, the tag covering the listing's partition too.
    fn seal(&self, partition: &str, position: &Position) -> Option<String> {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).ok()?);
        let tag = self.0.tag(format!("{partition}\n{body}").as_bytes());
        Some(format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag)))
    }

    fn open(&self, partition: &str, cursor: &str) -> Option<Position> {
        let (body, tag) = cursor.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !self.0.verify(format!("{partition}\n{body}").as_bytes(), &tag) {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()
    }
}

/// What a cursor holds: the position after the last item of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
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

    /// The cursor after the item whose index key is `last`.
    fn cursor_after(&self, cursors: &Cursors, last: &Attributes) -> Option<String> {
        let (_, index_sk) = self.key_attributes();
        let position = Position {
            s: Item(last).opt_s(index_sk)?,
            k: Item(last).opt_s(attr::PK)?,
        };
        cursors.seal(&self.partition, &position)
    }

    /// The ExclusiveStartKey rebuilt from a cursor. The partition is the query's own, so a
    /// cursor can only move within the listing it was issued for; anything else is refused.
    fn start_key(&self, cursors: &Cursors, cursor: &Cursor) -> Result<Attributes, StorageError> {
        let text = cursor.as_str();
        if text.len() > MAX_CURSOR_BYTES {
            return Err(StorageError::InvalidCursor);
        }
        let position = cursors
            .open(&self.partition, text)
            .ok_or(StorageError::InvalidCursor)?;
        let valid = !position.s.is_empty() && keys::Key::id_of(&position.k, &self.kind).is_some();
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
        cursors: &Cursors,
        parse: fn(&Attributes) -> Result<T, StorageError>,
        context: &str,
    ) -> Result<Page<T>, StorageError> {
        let start = cursor.map(|c| listing.start_key(cursors, c)).transpose()?;
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
            .and_then(|last| listing.cursor_after(cursors, last));
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

    fn cursors(key: &str) -> Cursors {
        Cursors::new(&Secret::new(key.repeat(32)))
    }

    fn last(position: &str, pk: &str) -> Attributes {
        HashMap::from([
            (attr::PK.to_owned(), s(pk)),
            (attr::GSI1SK.to_owned(), s(position)),
        ])
    }

    #[test]
    fn a_cursor_round_trips_only_in_its_own_listing_and_under_its_key() {
        let (ours, theirs) = (cursors("k"), cursors("x"));
        let catalog = listing(keys::CATALOG);
        let cursor = Cursor::new(
            catalog
                .cursor_after(&ours, &last("0000000010#tea", &keys::product("tea").pk))
                .unwrap(),
        );
        let start = catalog.start_key(&ours, &cursor).unwrap();
        assert_eq!(start[attr::GSI1SK], s("0000000010#tea"));
        assert_eq!(start[attr::PK], s(keys::product("tea").pk));
        for (cursors, listing) in [
            (&ours, listing("CATEGORY#tea")),
            (&theirs, listing(keys::CATALOG)),
        ] {
            assert!(matches!(
                listing.start_key(cursors, &cursor),
                Err(StorageError::InvalidCursor)
            ));
        }
    }

    #[test]
    fn garbage_forged_and_foreign_item_cursors_are_refused() {
        let ours = cursors("k");
        let catalog = listing(keys::CATALOG);
        let foreign = catalog
            .cursor_after(&ours, &last("1#x", &keys::order("1").pk))
            .unwrap();
        let unsigned = URL_SAFE_NO_PAD.encode(br#"{"s":"1#x","k":"PRODUCT#x"}"#);
        let forged = format!("{unsigned}.{}", URL_SAFE_NO_PAD.encode([0u8; 16]));
        for garbage in [
            "",
            "!!!",
            "eyJ4IjoxfQ",
            &"A".repeat(600),
            &foreign,
            &unsigned,
            &forged,
        ] {
            assert!(
                matches!(
                    catalog.start_key(&ours, &Cursor::new(garbage.to_owned())),
                    Err(StorageError::InvalidCursor)
                ),
                "{garbage}"
            );
        }
    }
}
