//! Who calls: access tokens verified (signature, claims, times) and their session checked open,
//! for every token-protected endpoint. Issuing tokens is the identity area's; checking them is
//! the framework's.

use crate::domain::ids::Caller;
use crate::domain::time::Clock;
use crate::infra::store::{StorageError, Store};
use crate::infra::tokens::{TokenError, TokenVerifier};

/// Why a caller was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The session was ended (logout, or a refresh token presented twice).
    #[error("the session has ended")]
    Revoked,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Verifies access tokens and checks that their session is still open. Built once per process
/// by every token-protected function.
pub struct Guard {
    verifier: TokenVerifier,
    store: Store,
    clock: Clock,
}

impl Guard {
    pub fn new(verifier: TokenVerifier, store: Store, clock: Clock) -> Self {
        Self {
            verifier,
            store,
            clock,
        }
    }

    /// The caller an access token names (signature, claims and times; no I/O).
    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        Ok(self.verifier.verify(token)?)
    }

    /// Whether the caller's session is still open: one consistent GetItem, so a logout is
    /// seen by the very next request of any function.
    pub async fn confirm(&self, caller: &Caller) -> Result<(), AuthError> {
        let session = self.store.session(&caller.session_id).await?;
        match session {
            Some(session) if session.is_usable_by(&caller.openid, self.clock.now()) => Ok(()),
            _ => Err(AuthError::Revoked),
        }
    }
}
