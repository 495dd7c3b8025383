//! CloudFront signed URLs (canned policy): download URLs on our own, ICP-filed domain, which
//! `<image>` and `wx.downloadFile` accept where the bucket's amazonaws.com host is refused.
//! Built once per process from the key pair id and private key; signing needs no network call.
//!
//! The policy is signed with SHA-256 and the URL says so (`Hash-Algorithm=SHA256`): CloudFront
//! accepts SHA-256 next to its default SHA-1 (April 2026), and aws-lc-rs signs RSA and ECDSA with
//! SHA-256 only (SHA-1 it only verifies). Keys: RSA 2048 (PKCS#1 v1.5, deterministic, so one
//! signing window gives one URL) or ECDSA P-256 (DER signature, randomised: every answer is a
//! new URL; CloudFront's cache key leaves the query out, so only the client's cache notices).

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::crypto::Secret;
use super::storage::StorageError;
use crate::domain::time::Timestamp;

/// The query parameter naming the hash, and its value.
const HASH_ALGORITHM: (&str, &str) = ("Hash-Algorithm", "SHA256");
/// CloudFront takes RSA keys of exactly this size (and ECDSA P-256).
const RSA_MODULUS_BYTES: usize = 2048 / 8;

/// Why a signer could not be built; each names the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdnConfigError {
    #[error("the base URL {0}")]
    BaseUrl(&'static str),
    #[error("the key pair id must be the CloudFront public key's id (letters and digits)")]
    KeyPairId,
    #[error("the private key {0}")]
    PrivateKey(&'static str),
}

/// The private key: RSA 2048 or ECDSA P-256.
enum SigningKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

impl SigningKey {
    /// Parses a PEM private key: PKCS#8 (`PRIVATE KEY`, what OpenSSL 3 writes), PKCS#1
    /// (`RSA PRIVATE KEY`, older OpenSSL and LibreSSL) or SEC1 (`EC PRIVATE KEY`, from
    /// `openssl ecparam -genkey`; an `EC PARAMETERS` block before it is skipped).
    fn from_pem(pem: &str) -> Result<Self, CdnConfigError> {
        let bad = CdnConfigError::PrivateKey;
        let (label, der) = private_key_block(pem)?;
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => Self::Rsa(RsaKeyPair::from_der(&der).map_err(|_| bad("is not an RSA key"))?),
            "EC PRIVATE KEY" => Self::Ecdsa(
                EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, &der)
                    .map_err(|_| bad("must be an ECDSA P-256 (prime256v1) key"))?,
            ),
            "PRIVATE KEY" => match RsaKeyPair::from_pkcs8(&der) {
                Ok(rsa) => Self::Rsa(rsa),
                Err(_) => Self::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &der)
                        .map_err(|_| bad("must be an RSA 2048 or ECDSA P-256 key"))?,
                ),
            },
            "ENCRYPTED PRIVATE KEY" => return Err(bad("must not be encrypted")),
            _ => return Err(bad("must be a PEM private key")),
        };
        if let Self::Rsa(rsa) = &key
            && rsa.public_modulus_len() != RSA_MODULUS_BYTES
        {
            return Err(bad(
                "must be 2048 bits: CloudFront takes RSA 2048 or ECDSA P-256 keys",
            ));
        }
        Ok(key)
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RSA-SHA256",
            Self::Ecdsa(_) => "ECDSA-P256-SHA256",
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, aws_lc_rs::error::Unspecified> {
        let rng = SystemRandom::new();
        match self {
            Self::Rsa(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)?;
                Ok(signature)
            }
            Self::Ecdsa(key) => Ok(key.sign(&rng, message)?.as_ref().to_vec()),
        }
    }
}

/// Signs download URLs for one distribution. Built once per process.
pub struct CdnSigner {
    /// `https://host[/prefix]`, without a trailing slash.
    base_url: String,
    key_pair_id: String,
    key: SigningKey,
}

impl fmt::Debug for CdnSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CdnSigner")
            .field("base_url", &self.base_url)
            .field("key_pair_id", &self.key_pair_id)
            .field("algorithm", &self.key.algorithm())
            .finish_non_exhaustive()
    }
}

impl CdnSigner {
    /// A signer for `base_url` (`https://cdn.example.com`, optionally with a path prefix), the
    /// CloudFront public key id `key_pair_id` and its private key (PEM).
    pub fn new(base_url: &str, key_pair_id: &str, private_key_pem: &Secret) -> Result<Self, CdnConfigError> {
        Ok(Self {
            base_url: parse_base_url(base_url)?,
            key_pair_id: parse_key_pair_id(key_pair_id)?,
            key: SigningKey::from_pem(private_key_pem.expose())?,
        })
    }

    /// The URL of the object `key` that CloudFront serves until `expires_at`:
    /// `base/key?Expires=..&Signature=..&Key-Pair-Id=..&Hash-Algorithm=SHA256`.
    pub fn signed_url(&self, key: &str, expires_at: Timestamp) -> Result<String, StorageError> {
        let url = format!("{}/{}", self.base_url, encode_key(key));
        let expires = expires_at.epoch_secs();
        let signature = self
            .key
            .sign(canned_policy(&url, expires).as_bytes())
            .map_err(|e| StorageError::failed("signing the download URL", e))?;
        let (hash_name, hash_value) = HASH_ALGORITHM;
        Ok(format!(
            "{url}?Expires={expires}&Signature={}&Key-Pair-Id={}&{hash_name}={hash_value}",
            url_safe_base64(&signature),
            self.key_pair_id,
        ))
    }
}

/// The canned policy of `url`: JSON without whitespace, exactly as CloudFront rebuilds it.
fn canned_policy(url: &str, expires: i64) -> String {
    let resource = serde_json::Value::from(url);
    format!(
        r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
    )
}

/// Base64 with CloudFront's substitutions for characters a query string cannot carry.
fn url_safe_base64(bytes: &[u8]) -> String {
    STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

/// Percent-encodes an object key for a URL path: every byte but the unreserved characters
/// (RFC 3986) and the `/` between segments.
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn parse_base_url(url: &str) -> Result<String, CdnConfigError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or(CdnConfigError::BaseUrl("must be an https:// URL"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
        return Err(CdnConfigError::BaseUrl(
            "must be https://HOST or https://HOST/PREFIX, without a query or fragment",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn parse_key_pair_id(id: &str) -> Result<String, CdnConfigError> {
    let valid = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then(|| id.to_owned()).ok_or(CdnConfigError::KeyPairId)
}

/// The label and decoded body of the first private-key block of `pem`. A literal `\n` counts as
/// a line break, so a key pasted into a one-line environment value still parses.
fn private_key_block(pem: &str) -> Result<(String, Vec<u8>), CdnConfigError> {
    let bad = CdnConfigError::PrivateKey;
    let pem = pem.replace("\\n", "\n");
    let mut rest = pem.as_str();
    loop {
        let start = rest.find("-----BEGIN ").ok_or(bad("must be a PEM private key"))?;
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after.find("-----").ok_or(bad("has a broken PEM header"))?;
        let label = &after[..label_end];
        let body = &after[label_end + "-----".len()..];
        let end_marker = format!("-----END {label}-----");
        let body_end = body
            .find(&end_marker)
            .ok_or(bad("has a PEM block without its end"))?;
        if label.ends_with("PRIVATE KEY") {
            let text: String = body[..body_end].chars().filter(|c| !c.is_whitespace()).collect();
            let der = STANDARD
                .decode(text)
                .map_err(|_| bad("has a PEM body that is not base64"))?;
            return Ok((label.to_owned(), der));
        }
        rest = &body[body_end + end_marker.len()..];
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, KeyPair as _, RSA_PKCS1_2048_8192_SHA256,
        UnparsedPublicKey, VerificationAlgorithm,
    };
    use serde_json::Value;

    use super::*;

    const BASE: &str = "https://cdn.example.com";
    const KEY_ID: &str = "K2JCJMDEHXQW5F";

    fn vector() -> Value {
        serde_json::from_str(include_str!("../../tests/vectors/cloudfront_signed_url.json")).unwrap()
    }

    fn text(v: &Value, field: &str) -> String {
        v[field].as_str().unwrap().to_owned()
    }

    fn pem(label: &str, der: &[u8]) -> String {
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            STANDARD.encode(der)
        )
    }

    fn rsa_pem() -> (String, Vec<u8>) {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&key).unwrap();
        (
            pem("PRIVATE KEY", pkcs8.as_ref()),
            key.public_key().as_ref().to_vec(),
        )
    }

    fn ec_pem() -> (String, Vec<u8>) {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new()).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        (
            pem("PRIVATE KEY", pkcs8.as_ref()),
            key.public_key().as_ref().to_vec(),
        )
    }

    fn signer(base: &str, pem: &str) -> CdnSigner {
        CdnSigner::new(base, KEY_ID, &Secret::new(pem)).unwrap()
    }

    /// The URL without its query, and each query parameter, in order.
    fn split(url: &str) -> (String, Vec<(String, String)>) {
        let (resource, query) = url.split_once('?').unwrap();
        let params = query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        (resource.to_owned(), params)
    }

    /// Undoes CloudFront's substitutions and decodes the signature.
    fn signature_bytes(signature: &str) -> Vec<u8> {
        let standard: String = signature
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '=',
                '~' => '/',
                c => c,
            })
            .collect();
        STANDARD.decode(standard).unwrap()
    }

    /// Checks `url` as CloudFront would: rebuilds the canned policy from the URL and its
    /// `Expires`, and verifies the signature with the public key.
    fn verifies(url: &str, algorithm: &'static dyn VerificationAlgorithm, public_key: &[u8]) -> bool {
        let (resource, params) = split(url);
        let expires: i64 = params[0].1.parse().unwrap();
        let policy = canned_policy(&resource, expires);
        UnparsedPublicKey::new(algorithm, public_key)
            .verify(policy.as_bytes(), &signature_bytes(&params[1].1))
            .is_ok()
    }

    fn public_der(pem_text: &str) -> Vec<u8> {
        let start = pem_text.find('\n').unwrap();
        let end = pem_text.find("-----END").unwrap();
        let body: String = pem_text[start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        STANDARD.decode(body).unwrap()
    }

    #[test]
    fn an_rsa_signed_url_has_the_canned_shape_and_verifies_with_the_public_key() {
        let (private, public) = rsa_pem();
        let expires = Timestamp::from_epoch_secs(1_767_290_400).unwrap();

        let url = signer(BASE, &private)
            .signed_url("uploads/o_alice/2026/11/abc.png", expires)
            .unwrap();

        let (resource, params) = split(&url);
        assert_eq!(
            resource,
            "https://cdn.example.com/uploads/o_alice/2026/11/abc.png"
        );
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm"]);
        assert_eq!(params[0].1, "1767290400");
        assert_eq!(params[2].1, KEY_ID);
        assert_eq!(params[3].1, "SHA256");
        assert!(
            params[1]
                .1
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_~".contains(&b)),
            "{url}"
        );
        assert!(verifies(&url, &RSA_PKCS1_2048_8192_SHA256, &public));
        assert!(!verifies(
            &url.replace("abc.png", "abd.png"),
            &RSA_PKCS1_2048_8192_SHA256,
            &public
        ));
        assert!(!verifies(
            &url.replace("=1767290400", "=1767290401"),
            &RSA_PKCS1_2048_8192_SHA256,
            &public
        ));
    }

    #[test]
    fn an_ecdsa_p256_signed_url_verifies_with_the_public_key() {
        let (private, public) = ec_pem();
        let expires = Timestamp::from_epoch_secs(1_767_290_400).unwrap();

        let url = signer(BASE, &private)
            .signed_url("uploads/o_alice/2026/11/abc.png", expires)
            .unwrap();

        assert!(
            url.ends_with(&format!("&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256")),
            "{url}"
        );
        assert!(verifies(&url, &ECDSA_P256_SHA256_ASN1, &public));
        assert!(!verifies(
            &url.replace("abc.png", "abd.png"),
            &ECDSA_P256_SHA256_ASN1,
            &public
        ));
    }

    #[test]
    fn an_openssl_pkcs1_rsa_key_signs_exactly_what_openssl_signs() {
        let v = vector();
        let signer = signer(BASE, &text(&v, "rsa_pkcs1_private_pem"));
        let expires = Timestamp::from_epoch_secs(v["expires"].as_i64().unwrap()).unwrap();

        let url = signer.signed_url(&text(&v, "key"), expires).unwrap();

        assert_eq!(
            canned_policy(&text(&v, "url"), v["expires"].as_i64().unwrap()),
            text(&v, "policy")
        );
        assert_eq!(
            url,
            format!(
                "{}?Expires={}&Signature={}&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256",
                text(&v, "url"),
                v["expires"],
                text(&v, "rsa_signature")
            )
        );
        let public = public_der(&text(&v, "rsa_public_pem"));
        assert!(verifies(&url, &RSA_PKCS1_2048_8192_SHA256, &public));
    }

    #[test]
    fn an_openssl_sec1_ec_key_after_its_parameters_block_signs_verifiable_urls() {
        let v = vector();
        let public = public_der(&text(&v, "ec_public_pem"));
        let expires = Timestamp::from_epoch_secs(v["expires"].as_i64().unwrap()).unwrap();
        let openssl_url = format!(
            "{}?Expires={}&Signature={}",
            text(&v, "url"),
            v["expires"],
            text(&v, "ec_openssl_signature")
        );

        let url = signer(BASE, &text(&v, "ec_sec1_private_pem"))
            .signed_url(&text(&v, "key"), expires)
            .unwrap();

        assert!(
            verifies(&openssl_url, &ECDSA_P256_SHA256_ASN1, &public),
            "the test's own check"
        );
        assert!(verifies(&url, &ECDSA_P256_SHA256_ASN1, &public));
    }

    #[test]
    fn signatures_use_cloudfronts_substitutes_for_plus_equals_and_slash() {
        assert_eq!(STANDARD.encode([0xfb, 0xff]), "+/8=");
        assert_eq!(url_safe_base64(&[0xfb, 0xff]), "-~8_");
        assert_eq!(url_safe_base64(b"abc"), "YWJj");
    }

    #[test]
    fn keys_are_percent_encoded_except_unreserved_characters_and_slashes() {
        assert_eq!(
            encode_key("uploads/o_a-1/2026/11/x.Y~z.png"),
            "uploads/o_a-1/2026/11/x.Y~z.png"
        );
        assert_eq!(
            encode_key("uploads/a b/ü+%&?#.png"),
            "uploads/a%20b/%C3%BC%2B%25%26%3F%23.png"
        );
    }

    #[test]
    fn the_canned_policy_is_compact_json_with_the_resource_escaped() {
        assert_eq!(
            canned_policy("https://cdn.example.com/a.png", 1_700_000_000),
            r#"{"Statement":[{"Resource":"https://cdn.example.com/a.png","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000}}}]}"#
        );
        assert!(canned_policy("https://h/\"x", 1).contains(r#""Resource":"https://h/\"x""#));
    }

    #[test]
    fn a_base_url_path_prefix_and_trailing_slash_are_kept_and_trimmed() {
        let (private, _) = rsa_pem();
        let signer = signer("https://cdn.example.com/files/", &private);
        let url = signer
            .signed_url("uploads/k.png", Timestamp::from_epoch_secs(1).unwrap())
            .unwrap();
        assert!(
            url.starts_with("https://cdn.example.com/files/uploads/k.png?Expires=1&"),
            "{url}"
        );
        assert!(!format!("{signer:?}").contains("PRIVATE"));
    }

    #[test]
    fn bad_settings_are_refused_naming_what_is_wrong() {
        let (rsa, _) = rsa_pem();
        let secret = Secret::new(rsa.clone());
        for base in [
            "http://cdn.example.com",
            "https://",
            "https://cdn.example.com?x=1",
            "cdn.example.com",
        ] {
            assert!(
                matches!(
                    CdnSigner::new(base, KEY_ID, &secret),
                    Err(CdnConfigError::BaseUrl(_))
                ),
                "{base}"
            );
        }
        for id in ["", "K2J CJ", "K2J&x=1", &"K".repeat(65)] {
            assert_eq!(
                CdnSigner::new(BASE, id, &secret).unwrap_err(),
                CdnConfigError::KeyPairId,
                "{id}"
            );
        }
        let rsa3072 = RsaKeyPair::generate(KeySize::Rsa3072).unwrap();
        let rsa3072 = pem(
            "PRIVATE KEY",
            AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&rsa3072)
                .unwrap()
                .as_ref(),
        );
        let p384 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &SystemRandom::new()).unwrap();
        let p384 = pem("PRIVATE KEY", p384.as_ref());
        let encrypted = rsa.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
        let public = text(&vector(), "rsa_public_pem");
        for key in [
            rsa3072,
            p384,
            encrypted,
            public,
            "not a key".to_owned(),
            rsa.replace("MII", "!!!"),
        ] {
            assert!(
                matches!(
                    CdnSigner::new(BASE, KEY_ID, &Secret::new(key.clone())),
                    Err(CdnConfigError::PrivateKey(_))
                ),
                "{key}"
            );
        }
    }

    #[test]
    fn a_key_pasted_on_one_line_with_escaped_newlines_parses() {
        let v = vector();
        let one_line = text(&v, "rsa_pkcs1_private_pem").replace('\n', "\\n");
        let expires = Timestamp::from_epoch_secs(v["expires"].as_i64().unwrap()).unwrap();

        let url = signer(BASE, &one_line)
            .signed_url(&text(&v, "key"), expires)
            .unwrap();

        assert!(url.contains(&text(&v, "rsa_signature")));
    }
}
