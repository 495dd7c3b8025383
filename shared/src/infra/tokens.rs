//! Access tokens (HS256 JWT, strict validation) and refresh tokens (opaque, random, stored hashed).

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::crypto::{Secret, random_bytes, random_id, sha256_hex};
use crate::domain::ids::{Caller, Openid, SessionId};
use crate::domain::time::Timestamp;

/// Clock skew tolerated when checking `exp`.
const LEEWAY_SECS: u64 = 30;
/// The shortest key we accept: HS256 wants at least as many bytes as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;

/// Settings of the token service.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub secret: Secret,
    pub issuer: String,
    /// The `aud` claim: our mini-program's appid.
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// Why a token was refused, or could not be made.
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

/// The claims of our access tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's openid.
    pub sub: String,
    pub iat: i64,
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

/// Issues and verifies tokens. Built once per process.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl TokenService {
    pub fn new(config: &TokenConfig) -> Self {
        let key = config.secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: config.access_ttl,
            refresh_ttl: config.refresh_ttl,
        }
    }

    /// A new session id.
    pub fn new_session_id(&self) -> SessionId {
        SessionId::from_random(random_bytes())
    }

    /// Signs an access token for `openid` in session `session_id`.
    pub fn issue_access(
        &self,
        openid: &Openid,
        session_id: &SessionId,
        now: Timestamp,
    ) -> Result<AccessToken, TokenError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: openid.to_string(),
            iat: now.epoch_secs(),
            exp: now.plus(self.access_ttl).epoch_secs(),
            jti: random_id(16),
            sid: session_id.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(TokenError::Signing)?;
        Ok(AccessToken {
            token: Secret::new(token),
            expires_in: self.access_ttl,
        })
    }

    /// A new refresh token for `session_id`.
    pub fn issue_refresh(&self, session_id: &SessionId) -> RefreshToken {
        let secret = random_id(32);
        RefreshToken {
            hash: hash_refresh_secret(&secret),
            token: Secret::new(format!("{session_id}.{secret}")),
            expires_in: self.refresh_ttl,
        }
    }

    /// Verifies an access token: HS256 only; `exp`, `iss`, `aud` and `sub` required and checked;
    /// `sub` and `sid` must be well-formed identities.
    pub fn verify(&self, token: &str) -> Result<Caller, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            }
        })?;
        let claims = data.claims;
        Ok(Caller {
            openid: Openid::parse(&claims.sub).ok_or(TokenError::Invalid)?,
            session_id: SessionId::parse(&claims.sid).ok_or(TokenError::Invalid)?,
        })
    }
}

/// SHA-256 of a refresh token's secret part, hex encoded. The secret has 256 bits of entropy,
/// so a fast hash is enough; only this value is stored.
pub fn hash_refresh_secret(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn service() -> TokenService {
        TokenService::new(&TokenConfig {
            secret: Secret::new("k".repeat(32)),
            issuer: "wx-serverless".into(),
            audience: "wxapp".into(),
            access_ttl: Duration::from_secs(7200),
            refresh_ttl: Duration::from_secs(86400),
        })
    }

    fn caller(openid: &str, session: &str) -> (Openid, SessionId) {
        (Openid::parse(openid).unwrap(), SessionId::parse(session).unwrap())
    }

    #[test]
    fn an_issued_token_verifies_to_its_caller() {
        let tokens = service();
        let (openid, session_id) = caller("o_alice", "s1");
        let access = tokens
            .issue_access(&openid, &session_id, Timestamp::now())
            .unwrap();
        let verified = tokens.verify(access.token.expose()).unwrap();
        assert_eq!(verified, Caller { openid, session_id });
    }

    #[test]
    fn an_old_token_is_expired() {
        let tokens = service();
        let (openid, session_id) = caller("o_alice", "s1");
        let long_ago = Timestamp::from_epoch_secs(1_000_000_000).unwrap();
        let access = tokens.issue_access(&openid, &session_id, long_ago).unwrap();
        assert!(matches!(
            tokens.verify(access.token.expose()),
            Err(TokenError::Expired)
        ));
    }

    #[test]
    fn a_signed_token_whose_subject_is_not_an_openid_is_invalid() {
        let tokens = service();
        let now = Timestamp::now().epoch_secs();
        let claims = Claims {
            iss: "wx-serverless".into(),
            aud: "wxapp".into(),
            sub: "../o_bob".into(),
            iat: now,
            exp: now + 60,
            jti: "j".into(),
            sid: "s1".into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &tokens.encoding).unwrap();
        assert!(matches!(tokens.verify(&token), Err(TokenError::Invalid)));
    }

    #[test]
    fn refresh_tokens_are_random_and_only_their_hash_is_kept() {
        let tokens = service();
        let session = tokens.new_session_id();
        let a = tokens.issue_refresh(&session);
        let b = tokens.issue_refresh(&session);
        assert_ne!(a.token.expose(), b.token.expose());
        let secret = a.token.expose().split_once('.').unwrap().1;
        assert!(URL_SAFE_NO_PAD.decode(secret).unwrap().len() >= 32);
        assert_eq!(a.hash, hash_refresh_secret(secret));
        assert!(!a.hash.contains(secret));
    }
}
