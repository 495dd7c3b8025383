//! Identities, parsed once at the boundary: a value of these types is valid by construction.

use super::time::Timestamp;
use super::{checked_string, is_slug};

checked_string! {
    /// A user's openid within our mini-program: 1..=64 characters of `A-Z a-z 0-9 _ -`
    /// (WeChat's are 28). Safe in table keys and object keys as it is.
    pub struct Openid;
    check = |text| is_slug(text, 64),
    expecting = "must be an openid: 1-64 characters of A-Z a-z 0-9 _ -",
}

checked_string! {
    /// A product id: 1..=64 characters of `A-Z a-z 0-9 _ -`.
    pub struct ProductId;
    check = |text| is_slug(text, 64),
    expecting = "must be a product id: 1-64 characters of A-Z a-z 0-9 _ -",
}

checked_string! {
    /// An order id: 1..=32 decimal digits (new ones are 22: the UTC second, then 8 random digits).
    pub struct OrderId;
    check = |text| !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_digit()),
    expecting = "must be an order id: 1-32 digits",
}

checked_string! {
    /// A login session (one refresh-token family): 1..=64 characters of `A-Z a-z 0-9 _ -`.
    pub struct SessionId;
    check = |text| is_slug(text, 64),
    expecting = "must be a session id: 1-64 characters of A-Z a-z 0-9 _ -",
}

impl OrderId {
    /// A new order id: the UTC time to the second, then 8 digits of `nonce`
    /// (`2026112405133112345678`), so ids sort by creation time.
    pub fn generate(now: Timestamp, nonce: u64) -> Self {
        Self(format!(
            "{}{:08}",
            now.inner().format("%Y%m%d%H%M%S"),
            nonce % 100_000_000
        ))
    }
}

impl SessionId {
    /// A session id made of `random` bytes (base64url: a slug by construction).
    pub fn from_random(random: [u8; 16]) -> Self {
        use base64::Engine as _;
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random))
    }
}

/// Who is calling: the owner of a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub openid: Openid,
    pub session_id: SessionId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_are_slugs() {
        assert!(ProductId::parse("tea-longjing_250g").is_some());
        assert!(ProductId::parse("PRODUCT#x").is_none());
        assert!(ProductId::parse("").is_none());
    }

    #[test]
    fn openids_that_could_break_a_key_are_refused() {
        for bad in ["", "a/b", "o.alice", "../x", "名字", &"o".repeat(65)] {
            assert!(Openid::parse(bad).is_none(), "{bad}");
        }
        assert!(Openid::parse("oAbC-123_xyzXYZ0123456789abcd").is_some());
    }

    #[test]
    fn order_ids_are_time_ordered_digits() {
        let id = OrderId::generate(Timestamp::from_epoch_secs(1_700_000_000).unwrap(), 12_345);
        assert_eq!(id.as_str(), "2023111422132000012345");
        assert!(OrderId::parse(id.as_str()).is_some());
        assert!(OrderId::parse("12a").is_none());
        assert!(OrderId::parse(&"1".repeat(33)).is_none());
    }

    #[test]
    fn serde_runs_the_same_check() {
        assert!(serde_json::from_value::<Openid>(serde_json::json!("a/b")).is_err());
        let id: ProductId = serde_json::from_value(serde_json::json!("tea")).unwrap();
        assert_eq!(serde_json::to_value(&id).unwrap(), "tea");
    }
}
