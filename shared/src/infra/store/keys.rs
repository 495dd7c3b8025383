//! The single-table layout: every key, attribute and index name, spelled out only here.
//! `docs/data-model.md` describes the items and access patterns.

/// Attribute and index names shared by every item.
pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";
    pub const GSI2PK: &str = "gsi2pk";
    pub const GSI2SK: &str = "gsi2sk";
    /// The back office's listings: orders by the day they were placed.
    pub const GSI3PK: &str = "gsi3pk";
    pub const GSI3SK: &str = "gsi3sk";
    /// Epoch seconds after which DynamoDB may delete the item; code treats it as gone at once.
    pub const TTL: &str = "expiresAt";
    pub const TYPE: &str = "type";
}

/// Names of the global secondary indexes.
pub mod index {
    pub const GSI1: &str = "gsi1";
    pub const GSI2: &str = "gsi2";
    pub const GSI3: &str = "gsi3";
}

/// The attributes of each kind of item.
pub use super::fields as field;

/// A (pk, sk) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(prefix: &str, id: &str, sk: &str) -> Self {
        Self {
            pk: format!("{prefix}{id}"),
            sk: sk.to_owned(),
        }
    }

    /// The id this key was made from, when it is a key of the kind `kind` (`keys::order("")`).
    pub fn id_of<'a>(pk: &'a str, kind: &Key) -> Option<&'a str> {
        pk.strip_prefix(kind.pk.as_str()).filter(|id| !id.is_empty())
    }
}

/// The profile of one user.
pub fn user(openid: &str) -> Key {
    Key::new("USER#", openid, "PROFILE")
}

/// What a user holds in unpaid orders (pending orders, units per product): the hoarding caps.
pub fn holdings(openid: &str) -> Key {
    Key::new("USER#", openid, "HOLDINGS")
}

/// How many subscribe messages of each template a user still allows.
pub fn subscriptions(openid: &str) -> Key {
    Key::new("USER#", openid, "SUBSCRIPTIONS")
}

/// What a user stores in the uploads bucket (bytes and files recorded by onUpload).
pub fn usage(openid: &str) -> Key {
    Key::new("USER#", openid, "USAGE")
}

/// One login session (a refresh-token family).
pub fn session(session_id: &str) -> Key {
    Key::new("SESSION#", session_id, "SESSION")
}

/// GSI1 partition listing a user's sessions (for logout-everywhere and revocation).
pub fn user_sessions(openid: &str) -> String {
    format!("USER#{openid}#SESSIONS")
}

/// A product.
pub fn product(id: &str) -> Key {
    Key::new("PRODUCT#", id, "PRODUCT")
}

/// GSI1 partition of every ON_SALE product (sparse: OFF_SALE products leave it).
pub const CATALOG: &str = "CATALOG";

/// GSI3 partition of every product, by id, for the back office.
pub const PRODUCTS: &str = "PRODUCTS";

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
    Key::new("ORDER#", order_id, "ORDER")
}

/// After-sales request `number` of an order: in the order's partition, so one Query lists them.
pub fn after_sales(order_id: &str, number: u32) -> Key {
    Key::new("ORDER#", order_id, &format!("{AFTER_SALES_PREFIX}{number:05}"))
}

/// The sort key prefix of an order's after-sales requests.
pub const AFTER_SALES_PREFIX: &str = "AFTERSALES#";

/// GSI1 partition listing a user's orders, newest first by [`order_position`].
pub fn user_orders(openid: &str) -> String {
    format!("USER#{openid}#ORDERS")
}

/// GSI2 partition of the orders awaiting payment, by deadline (sparse), for the expiry sweep.
pub const UNPAID: &str = "UNPAID";

/// GSI2 partition of the orders whose refund is under way, by when it was asked (for the sweep).
pub const REFUNDING: &str = "REFUNDING";

/// GSI2 partition of the orders whose refund ended `ABNORMAL` or `CLOSED`, for an operator.
pub const REFUND_ISSUES: &str = "REFUND_ISSUES";

/// Index sort key of an order in a GSI2 queue: its time there (deadline, refund asked), then its id.
pub fn queue_position(at: &str, order_id: &str) -> String {
    format!("{at}#{order_id}")
}

/// GSI3 partition of the orders placed on `day` (`YYYY-MM-DD`, China time), for the back office.
pub fn orders_of_day(day: &str) -> String {
    format!("ORDERS#{day}")
}

/// Index sort key of an order in its owner's listing.
pub fn order_position(created_at: &str, order_id: &str) -> String {
    format!("{created_at}#{order_id}")
}

/// The record of an idempotency key (already scoped to its user and hashed).
pub fn idempotency(digest: &str) -> Key {
    Key::new("IDEMPOTENCY#", digest, "IDEMPOTENCY")
}

/// The requests, refusals and ban of `subject` (an IP address, an openid, a session id) in `scope`.
pub fn rate(scope: &str, subject: &str) -> Key {
    Key::new("RATE#", &format!("{scope}#{subject}"), "RATE")
}

/// A message push's nonce, seen within the window pushes are accepted in (a replay is refused).
pub fn push_nonce(nonce: &str) -> Key {
    Key::new("PUSHNONCE#", nonce, "PUSHNONCE")
}

/// A refund, by its `out_refund_no`.
pub fn refund(out_refund_no: &str) -> Key {
    Key::new("REFUND#", out_refund_no, "REFUND")
}

/// A file uploaded by a user, recorded by `onUpload`.
pub fn file(object_key: &str) -> Key {
    Key::new("FILE#", object_key, "FILE")
}

/// GSI1 partition listing a user's files.
pub fn user_files(openid: &str) -> String {
    format!("USER#{openid}#FILES")
}

/// Index sort key of a file in its owner's listing.
pub fn file_position(created_at: &str, object_key: &str) -> String {
    format!("{created_at}#{object_key}")
}

/// An image WeChat is checking, by `media_check_async`'s trace id.
pub fn media_check(trace_id: &str) -> Key {
    Key::new("MEDIACHECK#", trace_id, "MEDIACHECK")
}

/// The WeChat access token of the app, shared by every instance of every function. Only the
/// refresher may write it (IAM: `dynamodb:LeadingKeys`); the others read it.
pub fn access_token() -> Key {
    Key::new("WECHAT#", "ACCESS_TOKEN", "ACCESS_TOKEN")
}

/// The report of a function that saw WeChat refuse the shared token (it cannot write the token
/// itself): the refused token's hash, for the refresher.
pub fn access_token_refused() -> Key {
    Key::new("WECHAT#", "ACCESS_TOKEN_REFUSED", "ACCESS_TOKEN_REFUSED")
}

/// WeChat's list of delivery companies (`get_delivery_list`), cached for every function.
pub fn delivery_companies() -> Key {
    Key::new("WECHAT#", "DELIVERY_COMPANIES", "DELIVERY_COMPANIES")
}

/// Where WeChat's order centre opens an order (`set_msg_jump_path`), as last set.
pub fn jump_path() -> Key {
    Key::new("WECHAT#", "JUMP_PATH", "JUMP_PATH")
}

/// An operator's account (the back office).
pub fn operator(id: &str) -> Key {
    Key::new("OPERATOR#", id, "PROFILE")
}

/// The claim on an operator's e-mail address: one account per address, found by it at sign-in.
pub fn operator_email(email: &str) -> Key {
    Key::new("OPEMAIL#", email, "OPEMAIL")
}

/// A console session of an operator, by the SHA-256 of its secret (in the operator's partition).
pub fn console_session(operator_id: &str, secret_hash: &str) -> Key {
    Key::new("OPERATOR#", operator_id, &format!("SESSION#{secret_hash}"))
}

/// GSI1 partition of every operator, by e-mail address.
pub const OPERATORS: &str = "OPERATORS";

/// One audit record: by day, then time and request id. Written once, never changed.
pub fn audit(day: &str, at: &str, request_id: &str) -> Key {
    Key::new("AUDIT#", day, &format!("{at}#{request_id}"))
}

/// GSI1 partition of the audit records of one target (an order, an operator, a product).
pub fn audit_target(target: &str) -> String {
    format!("AUDIT#{target}")
}

/// Partitions of a day's money book: writes spread over 16 (1,000 a second each), read at once.
pub const LEDGER_SHARDS: u32 = 16;

/// A payment or refund of the money book: `LEDGER#<day>#<shard>` / `<kind>#<order or refund no>`.
pub fn ledger(day: &str, kind: &str, number: &str) -> Key {
    Key::new(
        "LEDGER#",
        &format!("{day}#{}", ledger_shard(number)),
        &format!("{kind}#{number}"),
    )
}

/// The partitions of a day's money book.
pub fn ledger_day(day: &str) -> Vec<String> {
    (0..LEDGER_SHARDS)
        .map(|shard| format!("LEDGER#{day}#{shard}"))
        .collect()
}

/// The shard of `number`: FNV-1a of its bytes, so that it never changes between versions.
fn ledger_shard(number: &str) -> u32 {
    let hash = number.bytes().fold(0x811c_9dc5_u32, |hash, b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % LEDGER_SHARDS
}

/// The summary of the reconciliation of `day` (`YYYY-MM-DD`).
pub fn reconciliation(day: &str) -> Key {
    Key::new("RECONCILIATION#", day, "SUMMARY")
}

/// GSI1 partition of every reconciliation summary, by day.
pub const RECONCILIATIONS: &str = "RECONCILIATIONS";

/// A warm-up key that never exists.
pub fn warm_up() -> Key {
    Key::new("WARMUP", "", "WARMUP")
}

/// The `type` attribute of each kind of item.
pub mod item_type {
    pub const USER: &str = "USER";
    pub const SESSION: &str = "SESSION";
    pub const PRODUCT: &str = "PRODUCT";
    pub const ORDER: &str = "ORDER";
    pub const IDEMPOTENCY: &str = "IDEMPOTENCY";
    pub const HOLDINGS: &str = "HOLDINGS";
    pub const RATE: &str = "RATE";
    pub const USAGE: &str = "USAGE";
    pub const REFUND: &str = "REFUND";
    pub const FILE: &str = "FILE";
    pub const ACCESS_TOKEN: &str = "ACCESS_TOKEN";
    pub const SUBSCRIPTIONS: &str = "SUBSCRIPTIONS";
    pub const MEDIA_CHECK: &str = "MEDIA_CHECK";
    pub const DELIVERY_COMPANIES: &str = "DELIVERY_COMPANIES";
    pub const JUMP_PATH: &str = "JUMP_PATH";
    pub const AFTER_SALES: &str = "AFTER_SALES";
    pub const OPERATOR: &str = "OPERATOR";
    pub const OPERATOR_EMAIL: &str = "OPERATOR_EMAIL";
    pub const CONSOLE_SESSION: &str = "CONSOLE_SESSION";
    pub const AUDIT: &str = "AUDIT";
    pub const LEDGER: &str = "LEDGER";
    pub const RECONCILIATION: &str = "RECONCILIATION";
    pub const PUSH_NONCE: &str = "PUSH_NONCE";
    pub const ACCESS_TOKEN_REFUSED: &str = "ACCESS_TOKEN_REFUSED";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_different_kinds_never_collide() {
        assert_ne!(user("x").pk, session("x").pk);
        assert_ne!(user("x").pk, user_sessions("x"));
        assert_ne!(user("x"), holdings("x"));
    }

    #[test]
    fn a_days_money_book_spreads_over_its_shards_and_a_number_always_falls_in_the_same() {
        let partitions = ledger_day("2026-11-20");
        assert_eq!(partitions.len(), LEDGER_SHARDS as usize);
        let mut used = std::collections::HashSet::new();
        for i in 0..1000 {
            let key = ledger("2026-11-20", "PAYMENT", &format!("2026112004000{i:09}"));
            assert!(partitions.contains(&key.pk), "{}", key.pk);
            assert_eq!(
                key,
                ledger("2026-11-20", "PAYMENT", &format!("2026112004000{i:09}"))
            );
            used.insert(key.pk);
        }
        assert_eq!(used.len(), LEDGER_SHARDS as usize, "every shard takes some");
        // FNV-1a's published value of "a" (0xe40c292c): the shard may never move.
        assert_eq!(ledger_shard("a"), 0xe40c_292c % LEDGER_SHARDS);
    }

    #[test]
    fn a_key_gives_back_its_id_only_for_its_own_kind() {
        let key = idempotency("abc");
        assert_eq!(Key::id_of(&key.pk, &idempotency("")), Some("abc"));
        assert_eq!(Key::id_of(&key.pk, &order("")), None);
        assert_eq!(Key::id_of(&idempotency("").pk, &idempotency("")), None);
    }
}
