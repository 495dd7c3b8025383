//! Access tokens (HS256 JWT, strict validation) and refresh tokens (opaque, random, stored hashed).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{AuthConfig, Secret};
use crate::error::ApiError;
use crate::time::Timestamp;

/// Clock skew tolerated when checking `exp`.
const LEEWAY_SECS: u64 = 30;

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

/// Who is calling, taken from a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub openid: String,
    pub session_id: String,
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
    pub fn new(config: &AuthConfig) -> Self {
        let key = config.jwt_secret.expose().as_bytes();
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

    /// Signs an access token for `openid` in session `session_id`.
    pub fn issue_access(
        &self,
        openid: &str,
        session_id: &str,
        now: Timestamp,
    ) -> Result<AccessToken, ApiError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: openid.to_owned(),
            iat: now.epoch_secs(),
            exp: now.plus(self.access_ttl).epoch_secs(),
            jti: random_id(16),
            sid: session_id.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal("signing the access token", e))?;
        Ok(AccessToken {
            token: Secret::new(token),
            expires_in: self.access_ttl,
        })
    }

    /// A new refresh token for `session_id`.
    pub fn issue_refresh(&self, session_id: &str) -> RefreshToken {
        let secret = random_id(32);
        RefreshToken {
            hash: hash_refresh_secret(&secret),
            token: Secret::new(format!("{session_id}.{secret}")),
            expires_in: self.refresh_ttl,
        }
    }

    /// Verifies an access token: HS256 only, `exp`, `iss`, `aud` and `sub` required and checked.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::ExpiredToken,
                _ => ApiError::InvalidToken,
            }
        })?;
        let claims = data.claims;
        if claims.sub.is_empty() || claims.sid.is_empty() {
            return Err(ApiError::InvalidToken);
        }
        Ok(Caller {
            openid: claims.sub,
            session_id: claims.sid,
        })
    }
}

/// SHA-256 of a refresh token's secret part, hex encoded. The secret has 256 bits of entropy,
/// so a fast hash is enough; only this value is stored.
pub fn hash_refresh_secret(secret: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        secret.as_bytes(),
    ))
}

/// `bytes` random bytes from the system CSPRNG, base64url without padding.
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator is available");
    URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Env, vars};

    fn service() -> TokenService {
        let env = Env::from_pairs([(vars::WECHAT_APPID, "wxapp")]);
        TokenService::new(&AuthConfig::new(&env, Secret::new("k".repeat(32))).unwrap())
    }

    #[test]
    fn an_issued_token_verifies_to_its_caller() {
        let tokens = service();
        let access = tokens.issue_access("o_alice", "s1", Timestamp::now()).unwrap();
        let caller = tokens.verify(access.token.expose()).unwrap();
        assert_eq!(
            caller,
            Caller {
                openid: "o_alice".into(),
                session_id: "s1".into()
            }
        );
    }

    #[test]
    fn an_old_token_is_expired() {
        let tokens = service();
        let long_ago = Timestamp::from_epoch_secs(1_000_000_000).unwrap();
        let access = tokens.issue_access("o_alice", "s1", long_ago).unwrap();
        assert!(matches!(
            tokens.verify(access.token.expose()),
            Err(ApiError::ExpiredToken)
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_only_their_hash_is_kept() {
        let tokens = service();
        let a = tokens.issue_refresh("s1");
        let b = tokens.issue_refresh("s1");
        assert_ne!(a.token.expose(), b.token.expose());
        let secret = a.token.expose().split_once('.').unwrap().1;
        assert!(URL_SAFE_NO_PAD.decode(secret).unwrap().len() >= 32);
        assert_eq!(a.hash, hash_refresh_secret(secret));
        assert!(!a.hash.contains(secret));
    }
}
