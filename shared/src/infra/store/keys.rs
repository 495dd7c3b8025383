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
pub mod field {
    /// A user's profile.
    pub mod user {
        pub const OPENID: &str = "openid";
        pub const UNIONID: &str = "unionid";
        pub const NICKNAME: &str = "nickname";
        pub const AVATAR_URL: &str = "avatarUrl";
        pub const AVATAR_KEY: &str = "avatarKey";
        pub const CREATED_AT: &str = "createdAt";
        pub const UPDATED_AT: &str = "updatedAt";
        pub const LAST_LOGIN_AT: &str = "lastLoginAt";
        pub const LOGIN_COUNT: &str = "loginCount";
        /// The bound phone number (digits, without the country code) and its country code.
        pub const PHONE: &str = "phone";
        pub const PHONE_COUNTRY_CODE: &str = "phoneCountryCode";
        pub const PHONE_BOUND_AT: &str = "phoneBoundAt";
    }

    /// An operator's account.
    pub mod operator {
        pub const ID: &str = "id";
        pub const EMAIL: &str = "email";
        pub const ROLE: &str = "role";
        pub const PASSWORD_HASH: &str = "passwordHash";
        pub const TOTP_SECRET: &str = "totpSecret";
        pub const TOTP_STEP: &str = "totpStep";
        pub const FAILURES: &str = "failures";
        pub const NEXT_ATTEMPT_AT: &str = "nextAttemptAt";
        pub const MUST_CHANGE_PASSWORD: &str = "mustChangePassword";
        pub const CREDENTIALS: &str = "credentials";
        pub const CREATED_AT: &str = "createdAt";
        pub const UPDATED_AT: &str = "updatedAt";
        pub const LAST_SIGN_IN_AT: &str = "lastSignInAt";
    }

    /// A console session.
    pub mod console_session {
        pub const CSRF_TOKEN: &str = "csrfToken";
        pub const CREATED_AT: &str = "createdAt";
        pub const LAST_SEEN_AT: &str = "lastSeenAt";
        pub const CREDENTIALS: &str = "credentials";
    }

    /// An audit record.
    pub mod audit {
        pub const AT: &str = "at";
        pub const OPERATOR_ID: &str = "operatorId";
        pub const EMAIL: &str = "email";
        pub const ROLE: &str = "role";
        pub const ACTION: &str = "action";
        pub const TARGET: &str = "target";
        pub const CHANGES: &str = "changes";
        pub const IP: &str = "ip";
        pub const REQUEST_ID: &str = "requestId";
    }

    /// A login session.
    pub mod session {
        pub const OPENID: &str = "openid";
        pub const REFRESH_HASH: &str = "refreshHash";
        pub const STATUS: &str = "status";
        pub const CREATED_AT: &str = "createdAt";
        pub const ROTATED_AT: &str = "rotatedAt";
        /// How many times the refresh token was rotated.
        pub const GENERATION: &str = "generation";
        pub const REVOKED_AT: &str = "revokedAt";
        pub const REVOKED_REASON: &str = "revokedReason";
    }

    /// A product.
    pub mod product {
        pub const ID: &str = "id";
        pub const NAME: &str = "name";
        pub const DESCRIPTION: &str = "description";
        pub const PRICE_FEN: &str = "priceFen";
        pub const STOCK: &str = "stock";
        pub const CATEGORY: &str = "category";
        pub const IMAGES: &str = "images";
        pub const STATUS: &str = "status";
        pub const SORT_ORDER: &str = "sortOrder";
        /// `virtual` when set; absent: `physical` (every item written before it existed).
        pub const FULFILMENT: &str = "fulfilment";
        pub const CREATED_AT: &str = "createdAt";
        pub const UPDATED_AT: &str = "updatedAt";
        /// A product with variants: its specs (a list of `{name, values}`), and its SKUs, a map
        /// from SKU id to `{priceFen, stock, specValues, image?}` so that one update can take
        /// stock from several. `priceFen` is then the lowest price, `stock` the sum. Absent: the
        /// product has one SKU, `default`, priced and stocked by `priceFen` and `stock`.
        pub const SPECS: &str = "specs";
        pub const SKUS: &str = "skus";
        pub const SPEC_NAME: &str = "name";
        pub const SPEC_VALUES: &str = "values";
        pub const SKU_PRICE_FEN: &str = "priceFen";
        pub const SKU_STOCK: &str = "stock";
        pub const SKU_SPEC_VALUES: &str = "specValues";
        pub const SKU_IMAGE: &str = "image";
    }

    /// An order, and each of its lines.
    pub mod order {
        pub const ORDER_ID: &str = "orderId";
        pub const OPENID: &str = "openid";
        pub const STATUS: &str = "status";
        pub const ITEMS: &str = "items";
        pub const TOTAL_FEN: &str = "totalFen";
        pub const REMARK: &str = "remark";
        /// The delivery address, a snapshot (JSON); absent for virtual goods.
        pub const ADDRESS: &str = "address";
        /// The last four digits of the delivery phone, for the back office's search (no more of it).
        pub const PHONE_LAST4: &str = "phoneLast4";
        /// Present (true) when the remark was accepted without WeChat's content check.
        pub const REMARK_UNCHECKED: &str = "remarkUnchecked";
        /// When the owner was reminded to pay (a subscribe message), at most once.
        pub const REMINDED_AT: &str = "remindedAt";
        pub const CREATED_AT: &str = "createdAt";
        pub const UPDATED_AT: &str = "updatedAt";
        pub const PAY_BY: &str = "payBy";
        pub const CANCELLED_AT: &str = "cancelledAt";
        /// When the buyer confirmed receipt (or WeChat settled the order): COMPLETED.
        pub const COMPLETED_AT: &str = "completedAt";
        pub const PREPAY_ID: &str = "prepayId";
        pub const TRANSACTION_ID: &str = "transactionId";
        pub const PAID_AT: &str = "paidAt";
        pub const REFUND_REQUESTED_AT: &str = "refundRequestedAt";
        pub const REFUNDED_AT: &str = "refundedAt";
        pub const REFUND_ISSUE: &str = "refundIssue";
        pub const PREPAY_EXPIRES_AT: &str = "prepayExpiresAt";
        pub const CARRIER: &str = "carrier";
        pub const TRACKING_NO: &str = "trackingNo";
        pub const SHIPPED_AT: &str = "shippedAt";
        pub const SHIPPING_REPORTED_AT: &str = "shippingReportedAt";
        /// The deliveries (a JSON list, without their report times), since split delivery;
        /// carrier, trackingNo, shippedAt and shippingReportedAt are the one parcel of an order
        /// shipped before.
        pub const DELIVERIES: &str = "deliveries";
        /// When WeChat accepted each delivery's shipping report, in order (a list).
        pub const SHIPPING_REPORTS: &str = "shippingReports";
        pub const LINE_PRODUCT_ID: &str = "productId";
        /// Absent: the product's `default` SKU (every line ordered before variants).
        pub const LINE_SKU_ID: &str = "skuId";
        /// The SKU's spec values, a list of `[name, value]` in the specs' order; absent without
        /// variants.
        pub const LINE_SPEC_VALUES: &str = "specValues";
        pub const LINE_NAME: &str = "name";
        pub const LINE_PRICE_FEN: &str = "priceFen";
        pub const LINE_QUANTITY: &str = "quantity";
        pub const LINE_SUBTOTAL_FEN: &str = "subtotalFen";
    }

    /// What a user holds in unpaid orders.
    pub mod holdings {
        pub const PENDING_ORDERS: &str = "pendingOrders";

        /// The units of a SKU held in unpaid orders: `units:<product>` for a product's default
        /// SKU (as before variants), `units:<product>#<sku>` for another.
        pub fn units(sku: &crate::domain::catalog::SkuRef) -> String {
            if sku.sku_id.is_default() {
                format!("units:{}", sku.product_id)
            } else {
                format!("units:{}#{}", sku.product_id, sku.sku_id)
            }
        }
    }

    /// An order's refund ledger (on the order item), and an after-sales request.
    pub mod after_sales {
        /// Money of refunds asked of WeChat Pay through after-sales.
        pub const REFUNDED_FEN: &str = "refundedFen";
        /// Money of those refunds WeChat Pay confirmed.
        pub const SUCCEEDED_FEN: &str = "refundSucceededFen";
        /// Requests made so far.
        pub const COUNT: &str = "afterSalesCount";
        /// The request waiting for a person.
        pub const OPEN: &str = "afterSalesOpen";
        /// Units of a SKU under a request or refunded: `refunded:<product>#<sku>`.
        pub const UNITS_PREFIX: &str = "refunded:";
        /// Units of a SKU refunded before they left: `withheld:<product>#<sku>`.
        pub const WITHHELD_PREFIX: &str = "withheld:";

        pub const ORDER_ID: &str = "orderId";
        pub const NUMBER: &str = "number";
        pub const KIND: &str = "kind";
        pub const STATUS: &str = "status";
        /// The lines, JSON.
        pub const LINES: &str = "lines";
        pub const AMOUNT_FEN: &str = "amountFen";
        pub const REASON: &str = "reason";
        pub const PHOTOS: &str = "photos";
        pub const CREATED_AT: &str = "createdAt";
        pub const UPDATED_AT: &str = "updatedAt";
        pub const REFUNDED_AT: &str = "refundedAt";
        pub const REFUND_ISSUE: &str = "refundIssue";
        pub const REJECT_REASON: &str = "rejectReason";
        pub const RETURN_CARRIER: &str = "returnCarrier";
        pub const BY_OPERATOR: &str = "byOperator";
        pub const RETURN_TRACKING_NO: &str = "returnTrackingNo";

        /// `refunded:<product>#<sku>` of a SKU.
        pub fn units(sku: &crate::domain::catalog::SkuRef) -> String {
            format!("{UNITS_PREFIX}{}#{}", sku.product_id, sku.sku_id)
        }

        /// `withheld:<product>#<sku>` of a SKU.
        pub fn withheld(sku: &crate::domain::catalog::SkuRef) -> String {
            format!("{WITHHELD_PREFIX}{}#{}", sku.product_id, sku.sku_id)
        }
    }

    /// WeChat's platform settings kept in the table.
    pub mod platform {
        /// The delivery companies: a map of `delivery_id` to `delivery_name`.
        pub const COMPANIES: &str = "companies";
        pub const FETCHED_AT: &str = "fetchedAt";
        pub const PATH: &str = "path";
        pub const SET_AT: &str = "setAt";
    }

    /// A refund asked of WeChat Pay.
    pub mod refund {
        pub const ORDER_ID: &str = "orderId";
        pub const TRANSACTION_ID: &str = "transactionId";
        pub const AMOUNT_FEN: &str = "amountFen";
        pub const REASON: &str = "reason";
        pub const CREATED_AT: &str = "createdAt";
    }

    /// What a user stores in the uploads bucket.
    pub mod usage {
        pub const STORED_BYTES: &str = "storedBytes";
        pub const FILES: &str = "files";
    }

    /// The requests, refusals and ban of one subject in one scope.
    pub mod limit {
        pub const BANNED_UNTIL: &str = "bannedUntil";

        /// The requests counted in window number `window`.
        pub fn count(window: u64) -> String {
            format!("c{window}")
        }

        /// The refusals counted in ban window number `window`.
        pub fn violations(window: u64) -> String {
            format!("v{window}")
        }
    }

    /// The record of an idempotency key.
    pub mod idempotency {
        pub const ORDER_ID: &str = "orderId";
        pub const FINGERPRINT: &str = "fingerprint";
    }

    /// The WeChat access token shared by every function instance.
    pub mod access_token {
        pub const TOKEN: &str = "token";
        /// When instances start refreshing it (epoch milliseconds): before it expires.
        pub const REFRESH_AT: &str = "refreshAt";
        /// When WeChat stops accepting it (epoch milliseconds).
        pub const EXPIRES_AT: &str = "tokenExpiresAt";
        /// Until when one instance holds the right to refresh it (epoch milliseconds).
        pub const LEASE_UNTIL: &str = "leaseUntil";
        pub const LEASE_HOLDER: &str = "leaseHolder";
        /// When it was last force-refreshed (epoch milliseconds): WeChat allows it 30 s apart.
        pub const FORCED_AT: &str = "forcedAt";
        /// When a function that cannot refresh it saw WeChat refuse it (epoch milliseconds): the
        /// refresher replaces it with a forced refresh.
        pub const REJECTED_AT: &str = "rejectedAt";
    }

    /// An image WeChat is checking.
    pub mod media_check {
        pub const OBJECT_KEY: &str = "objectKey";
        pub const OWNER: &str = "owner";
    }

    /// One payment or refund of the money book.
    pub mod ledger {
        pub const KIND: &str = "kind";
        pub const OUT_TRADE_NO: &str = "outTradeNo";
        pub const OUT_REFUND_NO: &str = "outRefundNo";
        pub const TRANSACTION_ID: &str = "transactionId";
        pub const AMOUNT_FEN: &str = "amountFen";
        pub const AT: &str = "at";
    }

    /// The summary of a day's reconciliation (the report itself is in the bucket).
    pub mod reconciliation {
        pub const DATE: &str = "date";
        pub const ROWS: &str = "rows";
        pub const MATCHED: &str = "matched";
        /// How many discrepancies, the first of them (JSON), the totals (JSON).
        pub const DISCREPANCIES: &str = "discrepancies";
        pub const FIRST_DISCREPANCIES: &str = "firstDiscrepancies";
        pub const TOTALS: &str = "totals";
        pub const REPORT_KEY: &str = "reportKey";
        pub const CSV_KEY: &str = "csvKey";
        pub const GENERATED_AT: &str = "generatedAt";
    }

    /// An uploaded file.
    pub mod file {
        pub const KEY: &str = "key";
        pub const OWNER: &str = "owner";
        pub const SIZE: &str = "size";
        pub const CONTENT_TYPE: &str = "contentType";
        pub const PURPOSE: &str = "purpose";
        pub const CREATED_AT: &str = "createdAt";
        pub const SEQUENCER: &str = "sequencer";
        /// The trace id of WeChat's image check, once it was asked.
        pub const MEDIA_TRACE: &str = "mediaTrace";
    }
}

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

/// The WeChat access token of the app, shared by every instance of every function.
pub fn access_token() -> Key {
    Key::new("WECHAT#", "ACCESS_TOKEN", "ACCESS_TOKEN")
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
