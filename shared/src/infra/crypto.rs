//! The one digest helper, the one source of randomness, and secrets that never print.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// SHA-256 of `bytes`, hex encoded.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha256(bytes))
}

/// `N` random bytes from the system CSPRNG (aws-lc's, seeded by the kernel). It cannot fail on
/// the platforms we build for; if it ever did, answering with predictable bytes would be worse
/// than stopping, so it panics (the adapters turn a panic into a 500).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator is available");
    buf
}

/// `bytes` random bytes, base64url without padding: a slug (`A-Z a-z 0-9 _ -`).
pub fn random_id(bytes: usize) -> String {
    let buf: Vec<u8> = (0..bytes.div_ceil(32))
        .flat_map(|_| random_bytes::<32>())
        .take(bytes)
        .collect();
    URL_SAFE_NO_PAD.encode(buf)
}

/// A random `u64`.
pub fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes::<8>())
}

/// Bytes of an authentication tag kept: 128 bits.
const TAG_BYTES: usize = 16;

/// An HMAC-SHA256 key, for values we hand out and must recognise when they come back.
#[derive(Clone)]
pub struct MacKey(aws_lc_rs::hmac::Key);

impl MacKey {
    /// A key from a configured secret (at least 32 bytes).
    pub fn new(secret: &Secret) -> Self {
        Self(aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            secret.expose().as_bytes(),
        ))
    }

    /// The tag of `message`: HMAC-SHA256, truncated to 128 bits.
    pub fn tag(&self, message: &[u8]) -> [u8; TAG_BYTES] {
        let full = aws_lc_rs::hmac::sign(&self.0, message);
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&full.as_ref()[..TAG_BYTES]);
        tag
    }

    /// Whether `tag` is the tag of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(&self.tag(message), tag).is_ok()
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(***)")
    }
}

/// A secret value: never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_fips_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn random_ids_have_the_asked_entropy_and_differ() {
        let a = random_id(40);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 40);
        assert_ne!(a, random_id(40));
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn a_tag_verifies_only_its_message_under_its_key() {
        let key = MacKey::new(&Secret::new("k".repeat(32)));
        let other = MacKey::new(&Secret::new("o".repeat(32)));
        let tag = key.tag(b"message");
        assert!(key.verify(b"message", &tag));
        assert!(!key.verify(b"messagf", &tag));
        assert!(!other.verify(b"message", &tag));
        assert!(!key.verify(b"message", &tag[..8]));
    }

    #[test]
    fn secret_debug_never_shows_the_value() {
        let secret = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
