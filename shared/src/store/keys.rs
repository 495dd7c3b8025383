//! The single-table layout: every key, attribute and index name, spelled out only here.
//! `docs/data-model.md` describes the items and access patterns.

/// Attribute and index names of the table.
pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";
    pub const GSI2PK: &str = "gsi2pk";
    pub const GSI2SK: &str = "gsi2sk";
    /// Epoch seconds after which DynamoDB may delete the item; code treats it as gone at once.
    pub const TTL: &str = "expiresAt";
    pub const TYPE: &str = "type";
}

/// Names of the global secondary indexes.
pub mod index {
    pub const GSI1: &str = "gsi1";
    pub const GSI2: &str = "gsi2";
}

/// A (pk, sk) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: &str) -> Self {
        Self {
            pk,
            sk: sk.to_owned(),
        }
    }
}

/// The profile of one user.
pub fn user(openid: &str) -> Key {
    Key::new(format!("USER#{openid}"), "PROFILE")
}

/// One login session (a refresh-token family).
pub fn session(session_id: &str) -> Key {
    Key::new(format!("SESSION#{session_id}"), "SESSION")
}

/// GSI1 partition listing a user's sessions (for logout-everywhere and revocation).
pub fn user_sessions(openid: &str) -> String {
    format!("USER#{openid}#SESSIONS")
}

/// A product.
pub fn product(id: &str) -> Key {
    Key::new(format!("PRODUCT#{id}"), "PRODUCT")
}

/// GSI1 partition of every ON_SALE product (sparse: OFF_SALE products leave it).
pub const CATALOG: &str = "CATALOG";

/// GSI2 partition of the ON_SALE products of one category.
pub fn category(category: &str) -> String {
    format!("CATEGORY#{category}")
}

/// Index sort key of a product in a listing: display order, then id for a stable order.
pub fn catalog_position(sort_order: u32, id: &str) -> String {
    format!("{sort_order:010}#{id}")
}

/// An order.
pub fn order(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "ORDER")
}

/// GSI1 partition listing a user's orders, newest first by [`order_position`].
pub fn user_orders(openid: &str) -> String {
    format!("USER#{openid}#ORDERS")
}

/// Index sort key of an order in its owner's listing.
pub fn order_position(created_at: &str, order_id: &str) -> String {
    format!("{created_at}#{order_id}")
}

/// The record of an idempotency key (already scoped to its user and hashed).
pub fn idempotency(digest: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{digest}"), "IDEMPOTENCY")
}

/// A file uploaded by a user, recorded by `onUpload`.
pub fn file(object_key: &str) -> Key {
    Key::new(format!("FILE#{object_key}"), "FILE")
}

/// GSI1 partition listing a user's files.
pub fn user_files(openid: &str) -> String {
    format!("USER#{openid}#FILES")
}

pub const ITEM_USER: &str = "USER";
pub const ITEM_SESSION: &str = "SESSION";
pub const ITEM_PRODUCT: &str = "PRODUCT";
pub const ITEM_ORDER: &str = "ORDER";
pub const ITEM_IDEMPOTENCY: &str = "IDEMPOTENCY";
pub const ITEM_FILE: &str = "FILE";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_different_kinds_never_collide() {
        assert_ne!(user("x").pk, session("x").pk);
        assert_ne!(user("x").pk, user_sessions("x"));
    }
}
