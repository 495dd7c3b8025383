//! WeChat's message push (`GET`/`POST /wechat/push`): the URL verification and the events we
//! act on (an image check's verdict, an order's receipt).

use crate::domain::time::Clock;
use crate::files::media_checks::{MediaChecks, MediaEventError, MediaVerdict};
use crate::fulfilment::receipts::{ReceiptOutcome, Receipts, SETTLEMENT_EVENT};
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat_push::{PUSH_WINDOW, PushKeys, fresh};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};
use crate::wechat::settings::vars;

/// A push as received (its signature query) and why one is refused.
pub use crate::infra::wechat_push::{PushError, PushQuery};

/// What a message push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// WeChat's URL verification: answer this `echostr`.
    Verified(String),
    /// An image verdict, applied.
    Media(MediaVerdict),
    /// An order's receipt (WeChat's settlement push).
    Receipt(ReceiptOutcome),
    /// Another event: nothing to do.
    Ignored(String),
}

/// Why a push was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PushRefusal {
    #[error(transparent)]
    Push(#[from] PushError),
    #[error(transparent)]
    Event(#[from] MediaEventError),
    /// The event could not be applied now: WeChat pushes it again.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// WeChat's message push: the URL verification and the events we act on. Built once per
/// process by `wechat-push`.
#[derive(Clone)]
pub struct PushReceiver {
    keys: PushKeys,
    media: MediaChecks,
    receipts: Receipts,
    store: Store,
    clock: Clock,
}

impl PushReceiver {
    pub fn new(keys: PushKeys, media: MediaChecks, receipts: Receipts, store: Store, clock: Clock) -> Self {
        Self {
            keys,
            media,
            receipts,
            store,
            clock,
        }
    }

    /// The GET of WeChat's URL verification: signed, and timed within five minutes of our clock.
    pub fn verify(&self, query: &PushQuery<'_>) -> Result<PushOutcome, PushRefusal> {
        let echo = self.keys.verify_url(query).inspect_err(|_| {
            tracing::warn!(
                security_event = "forged_push",
                "a URL verification with a wrong signature"
            );
        })?;
        fresh(query, self.clock.now())?;
        Ok(PushOutcome::Verified(echo.to_owned()))
    }

    /// A POSTed event: signatures checked (and decrypted in safe mode) before anything is read;
    /// its timestamp within five minutes of our clock and its nonce never seen in that window
    /// (one conditional PutItem), so a captured push cannot be played again. A push that cannot
    /// be applied now gives its nonce back, for WeChat's next try.
    #[tracing::instrument(skip_all)]
    pub async fn receive(&self, query: &PushQuery<'_>, body: &[u8]) -> Result<PushOutcome, PushRefusal> {
        let event = self.keys.open(query, body).inspect_err(|err| {
            if *err == PushError::Forged {
                tracing::warn!(security_event = "forged_push", "a push with a wrong signature");
            }
        })?;
        let now = self.clock.now();
        let nonce = fresh(query, now).inspect_err(|err| {
            if *err == PushError::Stale {
                tracing::warn!(
                    security_event = "stale_push",
                    "a signed push out of its time window"
                );
            }
        })?;
        // Kept past the latest moment its timestamp is still accepted.
        let expires = now.plus(PUSH_WINDOW * 3);
        if !self.store.claim_push_nonce(nonce, now, expires).await? {
            tracing::warn!(
                security_event = "replayed_push",
                "a signed push's nonce came again"
            );
            return Err(PushError::Replayed.into());
        }
        let applied = self.apply(&event).await;
        if applied.is_err()
            && let Err(err) = self.store.release_push_nonce(nonce).await
        {
            tracing::warn!(error = %err, "could not forget the nonce of a push not applied");
        }
        applied
    }

    async fn apply(&self, event: &serde_json::Value) -> Result<PushOutcome, PushRefusal> {
        match event["Event"].as_str() {
            Some("wxa_media_check") => Ok(PushOutcome::Media(self.media.apply(event).await?)),
            Some(SETTLEMENT_EVENT) => Ok(PushOutcome::Receipt(self.receipts.settle(event).await?)),
            other => Ok(PushOutcome::Ignored(
                other.unwrap_or("(none)").chars().take(64).collect(),
            )),
        }
    }
}

impl Build for PushReceiver {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let token = startup.secret(vars::WECHAT_PUSH_TOKEN).await?;
        let aes_key = if startup.has_secret(vars::WECHAT_PUSH_AES_KEY) {
            Some(startup.secret(vars::WECHAT_PUSH_AES_KEY).await?)
        } else {
            None
        };
        let appid = startup
            .env
            .required(crate::runtime::config::vars::WECHAT_APPID)?
            .to_owned();
        let keys = PushKeys::new(token, aes_key.as_ref(), appid).map_err(|reason| ConfigError::Invalid {
            name: vars::WECHAT_PUSH_TOKEN,
            reason,
        })?;
        Ok(PushReceiver::new(
            keys,
            MediaChecks::build(startup).await?,
            Receipts::build(startup).await?,
            startup.store(),
            startup.clock(),
        ))
    }
}
