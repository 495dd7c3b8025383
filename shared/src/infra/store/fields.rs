//! Attribute names of each kind of item, spelled out only here (the keys are in `keys`).

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
    /// The hash of the refresh token the current one replaced: presenting it again is reuse.
    pub const PREVIOUS_HASH: &str = "previousRefreshHash";
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
    /// refresher replaces it with a forced refresh. On the report item, with the refused token's
    /// SHA-256 ([`REJECTED_HASH`]).
    pub const REJECTED_AT: &str = "rejectedAt";
    pub const REJECTED_HASH: &str = "rejectedTokenHash";
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
