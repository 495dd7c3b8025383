//! WeChat's message push (消息推送) to our server: the GET that verifies the URL (`echostr`) and
//! the POSTed events, in plaintext mode (the query's `signature` over the token, timestamp and
//! nonce) or safe mode (`msg_signature` over those and the `Encrypt` text, which is AES-256-CBC
//! with the EncodingAESKey). JSON data format.

use aws_lc_rs::cipher::{AES_256, DecryptingKey, DecryptionContext, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;
use base64::Engine as _;
use base64::alphabet::STANDARD as STANDARD_ALPHABET;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use super::crypto::Secret;

/// EncodingAESKeys are 43 base64 characters whose last one carries 2 spare bits WeChat does not
/// zero: decode them leniently.
const AES_KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD_ALPHABET,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// Safe mode pads to 32-byte blocks, PKCS#7 style.
const PAD_BLOCK: usize = 32;
/// The largest push body we read (WeChat's events are a few kilobytes).
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

/// Why a push was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// A signature is missing or does not match: not from WeChat.
    #[error("the push signature does not match")]
    Forged,
    /// Signed, but not a push we can read.
    #[error("the push is malformed: {0}")]
    Malformed(&'static str),
    /// Signed, but its timestamp is more than [`PUSH_WINDOW`] away from our clock.
    #[error("the push's timestamp is too far from now")]
    Stale,
    /// Signed, but its nonce was already seen within the window: a replay.
    #[error("the push's nonce was already used")]
    Replayed,
}

/// How far a push's timestamp may be from our clock (either way).
pub const PUSH_WINDOW: std::time::Duration = std::time::Duration::from_secs(300);

/// The longest nonce we record (WeChat's are a few digits).
pub const MAX_NONCE_CHARS: usize = 64;

/// The timestamp and nonce of a signed push, checked: the timestamp within [`PUSH_WINDOW`] of
/// `now`, the nonce of 1 to [`MAX_NONCE_CHARS`] letters or digits.
pub fn fresh<'a>(query: &PushQuery<'a>, now: crate::domain::time::Timestamp) -> Result<&'a str, PushError> {
    let timestamp: i64 = query
        .timestamp
        .and_then(|t| t.parse().ok())
        .ok_or(PushError::Malformed("the timestamp is not a number"))?;
    if now.epoch_secs().abs_diff(timestamp) > PUSH_WINDOW.as_secs() {
        return Err(PushError::Stale);
    }
    let nonce = query.nonce.unwrap_or_default();
    let valid =
        (1..=MAX_NONCE_CHARS).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(PushError::Malformed("the nonce"));
    }
    Ok(nonce)
}

/// Our end of the message push: the token and, in safe mode, the key. Built once per process.
#[derive(Clone)]
pub struct PushKeys {
    token: Secret,
    aes_key: Option<[u8; 32]>,
    appid: String,
}

/// What the query of a push carries.
#[derive(Debug, Clone, Copy, Default)]
pub struct PushQuery<'a> {
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub echostr: Option<&'a str>,
    pub encrypt_type: Option<&'a str>,
    pub msg_signature: Option<&'a str>,
}

impl PushKeys {
    /// `aes_key` is the 43-character EncodingAESKey (safe mode); `None` accepts plaintext only.
    pub fn new(token: Secret, aes_key: Option<&Secret>, appid: String) -> Result<Self, String> {
        if token.expose().len() < 3
            || token.expose().len() > 32
            || !token.expose().bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err("the push token must be 3 to 32 letters or digits".into());
        }
        let aes_key = aes_key
            .map(|key| {
                let text = key.expose();
                let bytes = (text.len() == 43)
                    .then(|| AES_KEY_BASE64.decode(text).ok())
                    .flatten()
                    .ok_or("the EncodingAESKey must be 43 base64 characters")?;
                <[u8; 32]>::try_from(bytes).map_err(|_| "the EncodingAESKey must decode to 32 bytes")
            })
            .transpose()?;
        Ok(Self {
            token,
            aes_key,
            appid,
        })
    }

    /// The answer to WeChat's URL verification (GET): `echostr` when the signature holds.
    pub fn verify_url<'a>(&self, query: &PushQuery<'a>) -> Result<&'a str, PushError> {
        self.check(query.signature, query, None)?;
        query.echostr.ok_or(PushError::Malformed("no echostr"))
    }

    /// The event of a POSTed push, its signatures checked and, in safe mode, decrypted. A
    /// plaintext push is refused when safe mode is configured.
    pub fn open(&self, query: &PushQuery<'_>, body: &[u8]) -> Result<Value, PushError> {
        if body.len() > MAX_PUSH_BYTES {
            return Err(PushError::Malformed("the body is too large"));
        }
        let body: Value =
            serde_json::from_slice(body).map_err(|_| PushError::Malformed("the body is not JSON"))?;
        match (self.aes_key, query.encrypt_type) {
            (Some(key), Some("aes")) => {
                let encrypted = body["Encrypt"]
                    .as_str()
                    .ok_or(PushError::Malformed("no Encrypt"))?;
                self.check(query.msg_signature, query, Some(encrypted))?;
                let text = self.decrypt(&key, encrypted)?;
                serde_json::from_slice(&text).map_err(|_| PushError::Malformed("the message is not JSON"))
            }
            (Some(_), _) => {
                // Signed plaintext while we expect safe mode: refuse rather than accept it unread.
                self.check(query.signature, query, None)?;
                Err(PushError::Malformed(
                    "safe mode is configured: the push must be encrypted",
                ))
            }
            (None, _) => {
                self.check(query.signature, query, None)?;
                Ok(body)
            }
        }
    }

    fn check(
        &self,
        signature: Option<&str>,
        query: &PushQuery<'_>,
        encrypted: Option<&str>,
    ) -> Result<(), PushError> {
        let (Some(signature), Some(timestamp), Some(nonce)) = (signature, query.timestamp, query.nonce)
        else {
            return Err(PushError::Forged);
        };
        let expected = push_signature(self.token.expose(), timestamp, nonce, encrypted);
        let same = aws_lc_rs::constant_time::verify_slices_are_equal(
            expected.as_bytes(),
            signature.to_ascii_lowercase().as_bytes(),
        );
        same.map_err(|_| PushError::Forged)
    }

    /// The message of a safe-mode `Encrypt`: 16 random bytes, the length (u32, big-endian), the
    /// message, our appid.
    fn decrypt(&self, key: &[u8; 32], encrypted: &str) -> Result<Vec<u8>, PushError> {
        let malformed = |what| PushError::Malformed(what);
        let mut data = STANDARD
            .decode(encrypted)
            .map_err(|_| malformed("Encrypt is not base64"))?;
        if data.is_empty() || data.len() % PAD_BLOCK != 0 {
            return Err(malformed("Encrypt is not whole blocks"));
        }
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&key[..16]);
        let cipher = UnboundCipherKey::new(&AES_256, key)
            .and_then(DecryptingKey::cbc)
            .map_err(|_| malformed("the key"))?;
        let plain = cipher
            .decrypt(&mut data, DecryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| malformed("Encrypt does not decrypt"))?;
        let pad = usize::from(*plain.last().ok_or(malformed("empty"))?);
        if !(1..=PAD_BLOCK).contains(&pad) || pad > plain.len() {
            return Err(malformed("the padding"));
        }
        let plain = &plain[..plain.len() - pad];
        let length = plain
            .get(16..20)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or(malformed("too short"))?;
        let message = plain.get(20..20 + length).ok_or(malformed("the length"))?;
        if &plain[20 + length..] != self.appid.as_bytes() {
            return Err(malformed("another app's message"));
        }
        Ok(message.to_vec())
    }
}

/// WeChat's push signature: hex SHA-1 of the sorted, concatenated token, timestamp, nonce (and
/// `Encrypt` in safe mode).
pub fn push_signature(token: &str, timestamp: &str, nonce: &str, encrypted: Option<&str>) -> String {
    let mut parts: Vec<&str> = vec![token, timestamp, nonce];
    parts.extend(encrypted);
    parts.sort_unstable();
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        parts.concat().as_bytes(),
    );
    hex::encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    fn keys(aes: Option<&str>) -> PushKeys {
        PushKeys::new(
            Secret::new("token123"),
            aes.map(Secret::new).as_ref(),
            "wxappid".into(),
        )
        .unwrap()
    }

    #[test]
    fn the_signature_is_sha1_of_the_sorted_parts() {
        // Sorted as strings: "1409659813" < "263014780" < "token123".
        let expected = {
            let d = aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
                b"1409659813263014780token123",
            );
            hex::encode(d.as_ref())
        };
        assert_eq!(
            push_signature("token123", "1409659813", "263014780", None),
            expected
        );
    }

    #[test]
    fn url_verification_answers_echostr_only_when_signed() {
        let keys = keys(None);
        let signature = push_signature("token123", "1", "2", None);
        let good = PushQuery {
            signature: Some(&signature),
            timestamp: Some("1"),
            nonce: Some("2"),
            echostr: Some("echo-me"),
            ..Default::default()
        };
        assert_eq!(keys.verify_url(&good), Ok("echo-me"));
        let forged = PushQuery {
            nonce: Some("3"),
            ..good
        };
        assert_eq!(keys.verify_url(&forged), Err(PushError::Forged));
        assert_eq!(keys.verify_url(&PushQuery::default()), Err(PushError::Forged));
    }

    #[test]
    fn wechats_sample_key_decodes_despite_its_spare_bits() {
        assert!(PushKeys::new(Secret::new("token123"), Some(&Secret::new(KEY)), "a".into()).is_ok());
        assert!(PushKeys::new(Secret::new("token123"), Some(&Secret::new("short")), "a".into()).is_err());
        assert!(PushKeys::new(Secret::new("t!"), None, "a".into()).is_err());
    }

    #[test]
    fn a_push_more_than_five_minutes_away_or_with_an_odd_nonce_is_refused() {
        let now = crate::domain::time::Timestamp::from_epoch_secs(1_800_000_000).unwrap();
        let at = |timestamp: &'static str, nonce: &'static str| PushQuery {
            timestamp: Some(timestamp),
            nonce: Some(nonce),
            ..Default::default()
        };
        assert_eq!(fresh(&at("1800000000", "123"), now), Ok("123"));
        assert_eq!(
            fresh(&at("1799999700", "123"), now),
            Ok("123"),
            "five minutes late"
        );
        assert_eq!(
            fresh(&at("1800000300", "123"), now),
            Ok("123"),
            "five minutes early"
        );
        assert_eq!(fresh(&at("1799999699", "123"), now), Err(PushError::Stale));
        assert_eq!(fresh(&at("1800000301", "123"), now), Err(PushError::Stale));
        assert!(matches!(
            fresh(&at("soon", "123"), now),
            Err(PushError::Malformed(_))
        ));
        assert!(matches!(
            fresh(&at("1800000000", ""), now),
            Err(PushError::Malformed(_))
        ));
        assert!(matches!(
            fresh(&at("1800000000", "a#b"), now),
            Err(PushError::Malformed(_))
        ));
    }

    #[test]
    fn a_token_shorter_than_wechats_minimum_is_refused() {
        assert!(PushKeys::new(Secret::new("ab"), None, "a".into()).is_err());
        assert!(PushKeys::new(Secret::new("abc"), None, "a".into()).is_ok());
        assert!(PushKeys::new(Secret::new("a".repeat(33).as_str()), None, "a".into()).is_err());
    }

    #[test]
    fn a_plaintext_push_is_refused_when_safe_mode_is_on() {
        let keys = keys(Some(KEY));
        let signature = push_signature("token123", "1", "2", None);
        let query = PushQuery {
            signature: Some(&signature),
            timestamp: Some("1"),
            nonce: Some("2"),
            ..Default::default()
        };
        assert!(matches!(keys.open(&query, b"{}"), Err(PushError::Malformed(_))));
    }
}
