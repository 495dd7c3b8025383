//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps), the operators'
//! second factor: secrets, enrolment URIs and checking a code once.

use aws_lc_rs::hmac;

use super::crypto::random_bytes;

/// Seconds per step.
pub const STEP_SECS: u64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A shared TOTP secret (160 bits, RFC 4226's recommendation), kept as its base32 text.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> Self {
        Self(random_bytes::<20>().to_vec())
    }

    /// The secret from its base32 text (as stored and as shown in the enrolment URI).
    pub fn from_base32(text: &str) -> Option<Self> {
        let mut bits: u64 = 0;
        let mut count = 0;
        let mut out = Vec::with_capacity(text.len() * 5 / 8);
        for c in text.trim_end_matches('=').bytes() {
            let value = BASE32.iter().position(|&b| b == c.to_ascii_uppercase())? as u64;
            bits = (bits << 5) | value;
            count += 5;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
                bits &= (1 << count) - 1;
            }
        }
        (!out.is_empty()).then_some(Self(out))
    }

    /// Base32 without padding, as authenticator apps read it.
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        let mut bits: u64 = 0;
        let mut count = 0;
        for &byte in &self.0 {
            bits = (bits << 8) | u64::from(byte);
            count += 8;
            while count >= 5 {
                count -= 5;
                out.push(BASE32[((bits >> count) & 31) as usize] as char);
            }
        }
        if count > 0 {
            out.push(BASE32[((bits << (5 - count)) & 31) as usize] as char);
        }
        out
    }

    /// The enrolment URI an authenticator app scans (`otpauth://totp/...`).
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{}:{}", percent(issuer), percent(account));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            self.to_base32(),
            percent(issuer)
        )
    }

    /// The code of step `step` (RFC 4226's HOTP of the step counter).
    pub fn code_at(&self, step: u64) -> u32 {
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &self.0);
        let tag = hmac::sign(&key, &step.to_be_bytes());
        let digest = tag.as_ref();
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let binary = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        binary % 10u32.pow(DIGITS)
    }

    /// The step `code` belongs to, when it is the code of the current step or a neighbouring
    /// one (clock drift) and later than `last_used` (a code works once).
    pub fn accept(&self, code: &str, now_secs: u64, last_used: Option<u64>) -> Option<u64> {
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u32 = code.parse().ok()?;
        let now = now_secs / STEP_SECS;
        [now.saturating_sub(1), now, now + 1]
            .into_iter()
            .filter(|step| last_used.is_none_or(|last| *step > last))
            .find(|step| self.code_at(*step) == code)
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_match_rfc_6238s_sha1_vectors_in_their_last_six_digits() {
        // The RFC prints 8 digits; 6-digit codes are the same number modulo 10^6.
        for (time, eight_digits) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(
                rfc_secret().code_at(time / STEP_SECS),
                eight_digits % 1_000_000,
                "{time}"
            );
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(TotpSecret(b"foobar".to_vec()).to_base32(), "MZXW6YTBOI");
        let secret = TotpSecret::generate();
        assert_eq!(TotpSecret::from_base32(&secret.to_base32()), Some(secret));
        assert_eq!(TotpSecret::from_base32("not base32!"), None);
    }

    #[test]
    fn a_code_is_accepted_in_its_step_or_a_neighbour_and_only_once() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = now / STEP_SECS;
        let code = format!("{:06}", secret.code_at(step));
        assert_eq!(secret.accept(&code, now, None), Some(step));
        assert_eq!(secret.accept(&code, now, Some(step)), None, "replayed");
        assert_eq!(
            secret.accept(&code, now + STEP_SECS, Some(step - 1)),
            Some(step),
            "a step late"
        );
        assert_eq!(secret.accept(&code, now + 2 * STEP_SECS, None), None, "too late");
        let previous = format!("{:06}", secret.code_at(step - 1));
        assert_eq!(
            secret.accept(&previous, now, Some(step)),
            None,
            "older than one used"
        );
        assert_eq!(secret.accept("12345", now, None), None);
        assert_eq!(secret.accept("12345a", now, None), None);
    }

    #[test]
    fn the_enrolment_uri_names_the_issuer_account_and_secret() {
        let uri = rfc_secret().uri("My Shop", "ops@shop.example");
        assert!(
            uri.starts_with("otpauth://totp/My%20Shop:ops@shop.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=My%20Shop"),
            "{uri}"
        );
    }
}
