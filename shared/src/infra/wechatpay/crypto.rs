//! The cryptography of WeChat Pay API v3, on aws-lc (the workspace's one crypto provider):
//! - SHA256withRSA (RSASSA-PKCS1-v1_5) under the merchant key: request `Authorization` headers and
//!   the `paySign` of `wx.requestPayment`;
//! - verification of `Wechatpay-Signature` over `timestamp\nnonce\nbody\n` with the key that
//!   `Wechatpay-Serial` names: a platform certificate serial or a WeChat Pay public key id
//!   (`PUB_KEY_ID_...`), both accepted at once since merchants migrate between them; a timestamp five
//!   minutes or more away is refused;
//! - AEAD_AES_256_GCM decryption of notification resources under the 32-byte APIv3 key.

use std::collections::HashMap;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::domain::time::Timestamp;
use crate::infra::crypto::Secret;

/// The longest a signed timestamp may be away from now, in seconds (exclusive).
pub const MAX_SKEW_SECS: i64 = 5 * 60;
/// The GCM tag at the end of every ciphertext.
const TAG_BYTES: usize = 16;

/// Why a key, a signature or a ciphertext was refused (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayCryptoError {
    #[error("the key is not usable: {0}")]
    Key(&'static str),
    #[error("the signature names an unknown key {0:?}")]
    UnknownSerial(String),
    #[error("the signed timestamp is missing, malformed or 5 minutes or more away")]
    Stale,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the resource does not decrypt")]
    Undecryptable,
}

/// The body of a PEM block (`-----BEGIN <label>-----`), decoded.
fn pem_body(pem: &str, label: &str) -> Result<Vec<u8>, PayCryptoError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem
        .find(&begin)
        .ok_or(PayCryptoError::Key("not a PEM block of the expected kind"))?
        + begin.len();
    let stop = pem[start..]
        .find(&end)
        .ok_or(PayCryptoError::Key("the PEM block has no end"))?
        + start;
    let text: String = pem[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(text)
        .map_err(|_| PayCryptoError::Key("the PEM body is not base64"))
}

/// The merchant's API private key (`apiclient_key.pem`, PKCS#8).
pub struct MerchantKey(RsaKeyPair);

impl MerchantKey {
    pub fn from_pem(pem: &Secret) -> Result<Self, PayCryptoError> {
        let der = pem_body(pem.expose(), "PRIVATE KEY")?;
        RsaKeyPair::from_pkcs8(&der)
            .map(Self)
            .map_err(|_| PayCryptoError::Key("not an RSA PKCS#8 private key"))
    }

    /// Base64 SHA256withRSA (PKCS#1 v1.5) of `message`: deterministic for a key and a message.
    pub fn sign(&self, message: &[u8]) -> Result<String, PayCryptoError> {
        let mut signature = vec![0u8; self.0.public_modulus_len()];
        self.0
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
            .map_err(|_| PayCryptoError::Key("signing failed"))?;
        Ok(STANDARD.encode(signature))
    }

    /// The `paySign` of `wx.requestPayment`: over `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub fn pay_sign(
        &self,
        app_id: &str,
        time_stamp: &str,
        nonce: &str,
        package: &str,
    ) -> Result<String, PayCryptoError> {
        self.sign(format!("{app_id}\n{time_stamp}\n{nonce}\n{package}\n").as_bytes())
    }

    /// The `Authorization` header of an API v3 request: `WECHATPAY2-SHA256-RSA2048` over
    /// `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n` (a GET's body line is empty).
    #[allow(clippy::too_many_arguments)]
    pub fn authorization(
        &self,
        mchid: &str,
        serial_no: &str,
        method: &str,
        path_with_query: &str,
        timestamp: i64,
        nonce: &str,
        body: &str,
    ) -> Result<String, PayCryptoError> {
        let signature =
            self.sign(format!("{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n").as_bytes())?;
        Ok(format!(
            r#"WECHATPAY2-SHA256-RSA2048 mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",serial_no="{serial_no}",signature="{signature}""#
        ))
    }
}

/// The signature headers of a message from WeChat Pay: an answer to our request or a
/// notification it sends us, read the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub serial: String,
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
}

impl SignatureHeaders {
    /// `Wechatpay-Serial`, `-Timestamp`, `-Nonce` and `-Signature` (empty when absent, which
    /// verification then refuses).
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            serial: header("wechatpay-serial"),
            timestamp: header("wechatpay-timestamp"),
            nonce: header("wechatpay-nonce"),
            signature: header("wechatpay-signature"),
        }
    }

    /// What is verified: these headers over `body`.
    pub fn over<'a>(&'a self, body: &'a [u8]) -> Signed<'a> {
        Signed {
            serial: &self.serial,
            timestamp: &self.timestamp,
            nonce: &self.nonce,
            signature: &self.signature,
            body,
        }
    }
}

/// What a signed message from WeChat Pay carries in its headers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `Wechatpay-Serial`: a platform certificate serial or a `PUB_KEY_ID_...`.
    pub serial: &'a str,
    /// `Wechatpay-Timestamp`: epoch seconds.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`: base64.
    pub signature: &'a str,
    /// The body, exactly the bytes received.
    pub body: &'a [u8],
}

/// WeChat Pay's verification keys, by the id `Wechatpay-Serial` names: platform certificate serials
/// and public key ids side by side.
#[derive(Default)]
pub struct PlatformKeys(HashMap<String, ParsedPublicKey>);

impl PlatformKeys {
    /// Adds the public key (`-----BEGIN PUBLIC KEY-----`, SPKI) that `id` names.
    pub fn add(&mut self, id: &str, public_key_pem: &str) -> Result<(), PayCryptoError> {
        let der = pem_body(public_key_pem, "PUBLIC KEY")?;
        // Parsed now: a key that cannot verify is refused at start-up, not at the first notification.
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der)
            .map_err(|_| PayCryptoError::Key("not an RSA public key of 2048 bits or more"))?;
        self.0.insert(id.trim().to_owned(), key);
        Ok(())
    }

    /// Keys as configured: `id:base64(SPKI DER)`, comma-separated (`PUB_KEY_ID_...` ids and
    /// platform certificate serials alike).
    pub fn parse(text: &str) -> Result<Self, PayCryptoError> {
        let mut keys = Self::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, der) = entry
                .split_once(':')
                .ok_or(PayCryptoError::Key("a platform key is not id:base64(SPKI DER)"))?;
            let der = STANDARD
                .decode(der)
                .map_err(|_| PayCryptoError::Key("a platform key is not base64"))?;
            let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der)
                .map_err(|_| PayCryptoError::Key("not an RSA public key of 2048 bits or more"))?;
            keys.0.insert(id.to_owned(), key);
        }
        if keys.0.is_empty() {
            return Err(PayCryptoError::Key("no platform key is listed"));
        }
        Ok(keys)
    }

    /// Verifies a response or notification of WeChat Pay at `now`.
    pub fn verify(&self, signed: Signed<'_>, now: Timestamp) -> Result<(), PayCryptoError> {
        let key = self
            .0
            .get(signed.serial.trim())
            .ok_or_else(|| PayCryptoError::UnknownSerial(signed.serial.chars().take(64).collect()))?;
        let timestamp: i64 = signed
            .timestamp
            .trim()
            .parse()
            .map_err(|_| PayCryptoError::Stale)?;
        if (now.epoch_secs() - timestamp).abs() >= MAX_SKEW_SECS {
            return Err(PayCryptoError::Stale);
        }
        let signature = STANDARD
            .decode(signed.signature.trim())
            .map_err(|_| PayCryptoError::BadSignature)?;
        let mut message = Vec::with_capacity(signed.body.len() + 64);
        message.extend_from_slice(signed.timestamp.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(signed.nonce.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(signed.body);
        message.push(b'\n');
        key.verify_sig(&message, &signature)
            .map_err(|_| PayCryptoError::BadSignature)
    }
}

/// Decrypts a notification `resource` (AEAD_AES_256_GCM): the key is the 32-byte APIv3 key,
/// `nonce` 12 bytes, `associated_data` the AAD, `ciphertext` base64 of ciphertext || tag.
pub fn decrypt_resource(
    api_v3_key: &Secret,
    nonce: &str,
    associated_data: &str,
    ciphertext: &str,
) -> Result<Vec<u8>, PayCryptoError> {
    let key = api_v3_key.expose().as_bytes();
    if key.len() != 32 {
        return Err(PayCryptoError::Key("the APIv3 key must be 32 bytes"));
    }
    let key =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| PayCryptoError::Key("AES-256 key"))?);
    let nonce =
        Nonce::try_assume_unique_for_key(nonce.as_bytes()).map_err(|_| PayCryptoError::Undecryptable)?;
    let mut data = STANDARD
        .decode(ciphertext.trim())
        .map_err(|_| PayCryptoError::Undecryptable)?;
    if data.len() < TAG_BYTES {
        return Err(PayCryptoError::Undecryptable);
    }
    let plaintext = key
        .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut data)
        .map_err(|_| PayCryptoError::Undecryptable)?;
    Ok(plaintext.to_vec())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn vectors() -> Value {
        serde_json::from_str(include_str!("../../../tests/vectors/wechatpay_v3.json")).unwrap()
    }

    fn text(v: &Value, name: &str) -> String {
        v[name].as_str().unwrap().to_owned()
    }

    #[test]
    fn the_sdk_vector_signs_to_its_signature() {
        let v = &vectors()["sha256_with_rsa"];
        let key = MerchantKey::from_pem(&Secret::new(text(v, "private_key_pkcs8_pem"))).unwrap();
        assert_eq!(
            key.sign(text(v, "message").as_bytes()).unwrap(),
            text(v, "signature_base64")
        );
    }

    #[test]
    fn the_sdk_vector_decrypts_to_its_plaintext_and_a_changed_byte_does_not() {
        let v = &vectors()["aead_aes_256_gcm"];
        let key = Secret::new(text(v, "api_v3_key"));
        let plain = decrypt_resource(
            &key,
            &text(v, "nonce"),
            &text(v, "associated_data"),
            &text(v, "ciphertext_base64"),
        );
        assert_eq!(plain.unwrap(), text(v, "plaintext").as_bytes());
        let other_aad = decrypt_resource(&key, &text(v, "nonce"), "other", &text(v, "ciphertext_base64"));
        assert_eq!(other_aad, Err(PayCryptoError::Undecryptable));
        let short_key = decrypt_resource(
            &Secret::new("0123456789abcdef"),
            &text(v, "nonce"),
            &text(v, "associated_data"),
            &text(v, "ciphertext_base64"),
        );
        assert!(
            matches!(short_key, Err(PayCryptoError::Key(_))),
            "AES-128 keys are refused"
        );
    }

    /// A notification signed with the vector key, as WeChat Pay would sign it.
    fn signed_by_vector_key(timestamp: i64, body: &[u8]) -> (String, String) {
        let v = &vectors()["sha256_with_rsa"];
        let key = MerchantKey::from_pem(&Secret::new(text(v, "private_key_pkcs8_pem"))).unwrap();
        let mut message = format!("{timestamp}\nnonce-1\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        (timestamp.to_string(), key.sign(&message).unwrap())
    }

    #[test]
    fn notifications_verify_under_a_certificate_serial_or_a_public_key_id_and_nothing_else() {
        let v = &vectors()["sha256_with_rsa"];
        let mut keys = PlatformKeys::default();
        keys.add(
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            &text(v, "public_key_spki_pem"),
        )
        .unwrap();
        keys.add(
            "PUB_KEY_ID_0112345678901234567890123456",
            &text(v, "public_key_spki_pem"),
        )
        .unwrap();
        let now = Timestamp::now();
        let body = br#"{"id":"EV-1","event_type":"TRANSACTION.SUCCESS"}"#;
        let (timestamp, signature) = signed_by_vector_key(now.epoch_secs(), body);
        let signed = |serial, body| Signed {
            serial,
            timestamp: &timestamp,
            nonce: "nonce-1",
            signature: &signature,
            body,
        };

        for serial in [
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            "PUB_KEY_ID_0112345678901234567890123456",
        ] {
            assert_eq!(keys.verify(signed(serial, body), now), Ok(()), "{serial}");
        }
        assert!(matches!(
            keys.verify(signed("UNKNOWN", body), now),
            Err(PayCryptoError::UnknownSerial(_))
        ));
        let tampered = br#"{"id":"EV-1","event_type":"TRANSACTION.SUCCESS" }"#;
        assert_eq!(
            keys.verify(signed("PUB_KEY_ID_0112345678901234567890123456", tampered), now),
            Err(PayCryptoError::BadSignature)
        );
    }

    #[test]
    fn keys_that_cannot_verify_are_refused_when_added() {
        let mut keys = PlatformKeys::default();
        let not_rsa = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----";
        assert!(
            keys.add("K", not_rsa).is_err(),
            "an Ed25519 key is not a WeChat Pay key"
        );
        assert!(keys.add("K", "garbage").is_err());
    }

    #[test]
    fn a_signature_five_minutes_old_or_ahead_is_stale() {
        let v = &vectors()["sha256_with_rsa"];
        let mut keys = PlatformKeys::default();
        keys.add("PUB_KEY_ID_1", &text(v, "public_key_spki_pem")).unwrap();
        let now = Timestamp::now();
        let body = b"{}";
        for (offset, fresh) in [(-299, true), (299, true), (-300, false), (300, false)] {
            let (timestamp, signature) = signed_by_vector_key(now.epoch_secs() + offset, body);
            let result = keys.verify(
                Signed {
                    serial: "PUB_KEY_ID_1",
                    timestamp: &timestamp,
                    nonce: "nonce-1",
                    signature: &signature,
                    body,
                },
                now,
            );
            assert_eq!(result.is_ok(), fresh, "{offset}: {result:?}");
        }
    }

    #[test]
    fn pay_sign_signs_the_four_lines_of_request_payment() {
        let v = &vectors()["sha256_with_rsa"];
        let key = MerchantKey::from_pem(&Secret::new(text(v, "private_key_pkcs8_pem"))).unwrap();
        let pay_sign = key
            .pay_sign("wxapp", "1700000000", "n0nce", "prepay_id=wx1")
            .unwrap();
        assert_eq!(
            pay_sign,
            key.sign(b"wxapp\n1700000000\nn0nce\nprepay_id=wx1\n").unwrap()
        );
        let header = key
            .authorization(
                "1900000001",
                "SERIAL",
                "GET",
                "/v3/certificates",
                1_700_000_000,
                "n0nce",
                "",
            )
            .unwrap();
        assert!(header.starts_with(r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="n0nce",timestamp="1700000000",serial_no="SERIAL",signature=""#));
    }
}
