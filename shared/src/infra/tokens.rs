//! Access tokens and refresh tokens.
//!
//! Access tokens are JWTs signed with Ed25519 (EdDSA) under a key id (`kid`): only the functions
//! that hold the private key (login, refresh) can mint them; every other function holds only the
//! public keys and can only verify. Verifiers accept every listed key, so keys rotate without
//! logging anyone out; an unknown `kid` is refused. Validation is strict: the algorithm is pinned,
//! `iss`, `aud`, `sub`, `sid`, `exp`, `nbf` and `iat` are required, and time is read from the
//! injected [`Clock`] (a token from the future is refused).
//!
//! Refresh tokens are opaque: `<sessionId>.<256 random bits>`; only their SHA-256 is stored.

use std::collections::HashMap;
use std::time::Duration;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::crypto::{Secret, random_bytes, random_id, sha256_hex};
use crate::domain::ids::{Caller, Openid, SessionId};
use crate::domain::time::{Clock, Timestamp};

/// Clock skew tolerated when checking `exp`, `nbf` and `iat`.
const LEEWAY_SECS: i64 = 30;
/// The longest key id.
const MAX_KID_BYTES: usize = 32;

/// Why a token was refused, or a key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no access token")]
    Missing,
    #[error("the access token is invalid")]
    Invalid,
    #[error("the access token has expired")]
    Expired,
    #[error("signing the access token")]
    Signing(#[source] jsonwebtoken::errors::Error),
}

/// A key that cannot be used, with why (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// What every token names besides the user: issuer, audience and lifetimes.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub issuer: String,
    /// The `aud` claim: our mini-program's appid.
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// The claims of our access tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's openid.
    pub sub: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The session (refresh-token family) this token belongs to.
    pub sid: String,
}

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_in: Duration,
}

/// A freshly issued refresh token: `<sessionId>.<secret>`; only `hash` is stored.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub token: Secret,
    pub hash: String,
    pub expires_in: Duration,
}

/// A presented refresh token, split: the session it names and the hash of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedRefresh {
    pub session_id: SessionId,
    pub hash: String,
}

fn check_kid(kid: &str) -> Result<(), KeyError> {
    let valid = !kid.is_empty()
        && kid.len() <= MAX_KID_BYTES
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(KeyError(format!(
            "key id {kid:?} must be 1-{MAX_KID_BYTES} characters of A-Z a-z 0-9 _ -"
        )))
    }
}

/// A new Ed25519 key pair for `kid`, as the two settings: the private key
/// (`kid:base64(PKCS#8 DER)`, a secret) and the public key (`kid:base64url(32 bytes)`).
pub fn new_key_pair(kid: &str) -> Result<(Secret, String), KeyError> {
    check_kid(kid)?;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError("generating a key".into()))?;
    let pair =
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| KeyError("reading the new key".into()))?;
    let public = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    Ok((
        Secret::new(format!("{kid}:{}", STANDARD.encode(pkcs8.as_ref()))),
        format!("{kid}:{public}"),
    ))
}

/// The public keys verifiers accept: `kid:base64url(key)`, comma-separated.
#[derive(Clone)]
pub struct PublicKeys(HashMap<String, DecodingKey>);

impl std::fmt::Debug for PublicKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&str> = self.0.keys().map(String::as_str).collect();
        kids.sort_unstable();
        f.debug_tuple("PublicKeys").field(&kids).finish()
    }
}

impl PublicKeys {
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys = HashMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, key) = entry
                .split_once(':')
                .ok_or_else(|| KeyError(format!("{entry:?} is not kid:key")))?;
            check_kid(kid)?;
            let bytes = URL_SAFE_NO_PAD
                .decode(key)
                .map_err(|_| KeyError(format!("the key of {kid} is not base64url")))?;
            if bytes.len() != 32 {
                return Err(KeyError(format!(
                    "the key of {kid} is not a 32-byte Ed25519 public key"
                )));
            }
            if keys
                .insert(kid.to_owned(), DecodingKey::from_ed_der(&bytes))
                .is_some()
            {
                return Err(KeyError(format!("key id {kid} is listed twice")));
            }
        }
        if keys.is_empty() {
            return Err(KeyError("no key is listed".into()));
        }
        Ok(Self(keys))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Verifies access tokens. Built once per process by every token-protected function.
pub struct TokenVerifier {
    keys: PublicKeys,
    validation: Validation,
    clock: Clock,
}

impl TokenVerifier {
    pub fn new(keys: PublicKeys, settings: &TokenSettings, clock: Clock) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        // Time is checked below against the injected clock, not the library's system clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self {
            keys,
            validation,
            clock,
        }
    }

    /// The caller a token names: EdDSA under a listed `kid` only; `exp`, `nbf`, `iat`, `iss`, `aud`,
    /// `sub` and `sid` checked; `sub` and `sid` must be well-formed identities.
    pub fn verify(&self, token: &str) -> Result<Caller, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.0.get(kid))
            .ok_or(TokenError::Invalid)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let now = self.clock.now().epoch_secs();
        if claims.nbf > now + LEEWAY_SECS || claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::Invalid);
        }
        if claims.exp <= now - LEEWAY_SECS {
            return Err(TokenError::Expired);
        }
        Ok(Caller {
            openid: Openid::parse(&claims.sub).ok_or(TokenError::Invalid)?,
            session_id: SessionId::parse(&claims.sid).ok_or(TokenError::Invalid)?,
        })
    }
}

/// Issues tokens. Built once per process by the functions that hold the private key.
pub struct TokenSigner {
    kid: String,
    encoding: EncodingKey,
    public_key: String,
    settings: TokenSettings,
    clock: Clock,
}

impl TokenSigner {
    /// A signer from `kid:base64(PKCS#8 DER)`.
    pub fn new(private_key: &Secret, settings: TokenSettings, clock: Clock) -> Result<Self, KeyError> {
        let (kid, der) = private_key
            .expose()
            .split_once(':')
            .ok_or_else(|| KeyError("the signing key is not kid:base64(PKCS#8)".into()))?;
        check_kid(kid)?;
        let der = STANDARD
            .decode(der.trim())
            .map_err(|_| KeyError("the signing key is not base64".into()))?;
        let pair = Ed25519KeyPair::from_pkcs8(&der)
            .map_err(|_| KeyError("the signing key is not an Ed25519 PKCS#8 key".into()))?;
        Ok(Self {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_ed_der(&der),
            public_key: format!("{kid}:{}", URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())),
            settings,
            clock,
        })
    }

    /// The public key of this signer, as `JWT_PUBLIC_KEYS` lists it.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A new session id.
    pub fn new_session_id(&self) -> SessionId {
        SessionId::from_random(random_bytes())
    }

    /// Signs an access token for `openid` in session `session_id`.
    pub fn issue_access(&self, openid: &Openid, session_id: &SessionId) -> Result<AccessToken, TokenError> {
        let now = self.clock.now();
        let claims = Claims {
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            sub: openid.to_string(),
            iat: now.epoch_secs(),
            nbf: now.epoch_secs(),
            exp: now.plus(self.settings.access_ttl).epoch_secs(),
            jti: random_id(16),
            sid: session_id.to_string(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(TokenError::Signing)?;
        Ok(AccessToken {
            token: Secret::new(token),
            expires_in: self.settings.access_ttl,
        })
    }

    /// A new refresh token for `session_id`, valid from now for the refresh lifetime.
    pub fn issue_refresh(&self, session_id: &SessionId) -> RefreshToken {
        let secret = random_id(32);
        RefreshToken {
            hash: hash_refresh_secret(&secret),
            token: Secret::new(format!("{session_id}.{secret}")),
            expires_in: self.settings.refresh_ttl,
        }
    }

    /// When a refresh token issued now expires.
    pub fn refresh_expiry(&self, now: Timestamp) -> Timestamp {
        now.plus(self.settings.refresh_ttl)
    }
}

/// Splits a presented refresh token; `None` when it is not one of ours in shape.
pub fn parse_refresh(token: &str) -> Option<PresentedRefresh> {
    let (session, secret) = token.split_once('.')?;
    let secret_ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    secret_ok.then_some(())?;
    Some(PresentedRefresh {
        session_id: SessionId::parse(session)?,
        hash: hash_refresh_secret(secret),
    })
}

/// SHA-256 of a refresh token's secret part, hex encoded. The secret has 256 bits of entropy,
/// so a fast hash is enough; only this value is stored.
pub fn hash_refresh_secret(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TokenSettings {
        TokenSettings {
            issuer: "wx-serverless".into(),
            audience: "wxapp".into(),
            access_ttl: Duration::from_secs(7200),
            refresh_ttl: Duration::from_secs(86400),
        }
    }

    fn signer(kid: &str, clock: &Clock) -> TokenSigner {
        let (private, _) = new_key_pair(kid).unwrap();
        TokenSigner::new(&private, settings(), clock.clone()).unwrap()
    }

    fn verifier(keys: &str, clock: &Clock) -> TokenVerifier {
        TokenVerifier::new(PublicKeys::parse(keys).unwrap(), &settings(), clock.clone())
    }

    fn ids() -> (Openid, SessionId) {
        (Openid::parse("o_alice").unwrap(), SessionId::parse("s1").unwrap())
    }

    #[test]
    fn an_issued_token_verifies_to_its_caller() {
        let clock = Clock::system();
        let signer = signer("k1", &clock);
        let (openid, session_id) = ids();
        let access = signer.issue_access(&openid, &session_id).unwrap();
        let verified = verifier(signer.public_key(), &clock)
            .verify(access.token.expose())
            .unwrap();
        assert_eq!(verified, Caller { openid, session_id });
    }

    #[test]
    fn a_token_expires_with_the_clock() {
        let clock = Clock::system();
        let signer = signer("k1", &clock);
        let verifier = verifier(signer.public_key(), &clock);
        let (openid, session_id) = ids();
        let access = signer.issue_access(&openid, &session_id).unwrap();
        clock.advance(Duration::from_secs(7200 + 31));
        assert!(matches!(
            verifier.verify(access.token.expose()),
            Err(TokenError::Expired)
        ));
    }

    #[test]
    fn a_token_from_the_future_is_refused() {
        let issuing = Clock::system();
        issuing.advance(Duration::from_secs(120));
        let signer = signer("k1", &issuing);
        let (openid, session_id) = ids();
        let access = signer.issue_access(&openid, &session_id).unwrap();
        let verifier = verifier(signer.public_key(), &Clock::system());
        assert!(matches!(
            verifier.verify(access.token.expose()),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn keys_rotate_old_and_new_verify_and_an_unknown_kid_is_refused() {
        let clock = Clock::system();
        let (old, new, other) = (
            signer("old", &clock),
            signer("new", &clock),
            signer("gone", &clock),
        );
        let both = verifier(&format!("{},{}", new.public_key(), old.public_key()), &clock);
        let (openid, session_id) = ids();
        for signer in [&old, &new] {
            let access = signer.issue_access(&openid, &session_id).unwrap();
            assert!(both.verify(access.token.expose()).is_ok());
        }
        let unknown = other.issue_access(&openid, &session_id).unwrap();
        assert!(matches!(
            both.verify(unknown.token.expose()),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn a_key_listed_under_another_kid_does_not_verify() {
        let clock = Clock::system();
        let (a, b) = (signer("a", &clock), signer("b", &clock));
        let b_key = b.public_key().split_once(':').unwrap().1;
        let swapped = verifier(&format!("a:{b_key}"), &clock);
        let (openid, session_id) = ids();
        let access = a.issue_access(&openid, &session_id).unwrap();
        assert!(matches!(
            swapped.verify(access.token.expose()),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn malformed_key_lists_are_refused_naming_the_problem() {
        for bad in ["", "k1", "k1:short", "bad kid:AAAA", "k:%%%"] {
            assert!(PublicKeys::parse(bad).is_err(), "{bad}");
        }
        let (_, public) = new_key_pair("k1").unwrap();
        assert!(PublicKeys::parse(&format!("{public},{public}")).is_err());
        assert_eq!(PublicKeys::parse(&public).unwrap().len(), 1);
    }

    #[test]
    fn refresh_tokens_are_random_and_only_their_hash_is_kept() {
        let signer = signer("k1", &Clock::system());
        let session = signer.new_session_id();
        let a = signer.issue_refresh(&session);
        let b = signer.issue_refresh(&session);
        assert_ne!(a.token.expose(), b.token.expose());
        let presented = parse_refresh(a.token.expose()).unwrap();
        assert_eq!(presented.session_id, session);
        assert_eq!(presented.hash, a.hash);
        let secret = a.token.expose().split_once('.').unwrap().1;
        assert!(!a.hash.contains(secret));
        for bad in [
            "",
            "nodot",
            "s1.short",
            "s/1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(parse_refresh(bad).is_none(), "{bad}");
        }
    }
}
