//! Content security: texts users write for others to read pass WeChat's `msg_sec_check`
//! (version 2, with the writer's openid) before anything is written. What happens when WeChat
//! cannot be asked is a policy per kind of text. Images others will see go through
//! `media_check_async` after upload, and a refused one is removed when the verdict is pushed.

use crate::domain::ids::Openid;
use crate::domain::time::Clock;
use crate::domain::uploads::UploadPurpose;
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::store::{FileRecord, MediaCheck, StorageError, Store};
use crate::infra::wechat::{TextScene, TextVerdict};
use crate::infra::wechat_push::{PushError, PushKeys, PushQuery};
use crate::services::files::{FileError, Files};

/// What happens to a text WeChat's content check cannot judge (down, slow, busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchecked {
    /// Refused with a 503: nothing unchecked is shown to others.
    Refuse,
    /// Accepted and flagged (logged, and stored where the text is) for a later review.
    Accept,
}

/// A text WeChat did not refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// WeChat passed it.
    Passed,
    /// WeChat could not be asked and the policy accepts it: flag it for review.
    Unchecked,
}

/// Why a text was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TextRefusal {
    /// WeChat's content check refused it (`review` or `risky`).
    #[error("the text did not pass WeChat's content check ({suggest}, label {label})")]
    Refused { suggest: String, label: i64 },
    /// WeChat could not be asked, and the policy refuses unchecked texts.
    #[error("the text could not be checked")]
    Unchecked(#[source] AccessTokenError),
}

/// The text check, with the shared access token. Built once per process.
#[derive(Clone)]
pub struct TextChecks {
    tokens: AccessTokens,
}

impl TextChecks {
    pub fn new(tokens: AccessTokens) -> Self {
        Self { tokens }
    }

    /// Asks WeChat whether `text`, written by `openid` and shown in `scene`, may be shown: one
    /// WeChat call (the shared token read from the table on a cold instance).
    #[tracing::instrument(skip_all, fields(scene = ?scene))]
    pub async fn check(
        &self,
        openid: &Openid,
        scene: TextScene,
        text: &str,
        when_unchecked: Unchecked,
    ) -> Result<Checked, TextRefusal> {
        let verdict = self
            .tokens
            .call(|wechat, token| async move { wechat.msg_sec_check(&token, openid, scene, text).await })
            .await;
        match verdict {
            Ok(TextVerdict::Pass) => Ok(Checked::Passed),
            Ok(TextVerdict::Refused { suggest, label }) => {
                tracing::warn!(
                    security_event = "content_refused",
                    suggest,
                    label,
                    "text refused by WeChat's content check"
                );
                Err(TextRefusal::Refused { suggest, label })
            }
            Err(err) => match when_unchecked {
                Unchecked::Refuse => Err(TextRefusal::Unchecked(err)),
                Unchecked::Accept => {
                    tracing::warn!(error = %err, unchecked = true, "text accepted without WeChat's content check");
                    Ok(Checked::Unchecked)
                }
            },
        }
    }
}

/// What became of an image sent to WeChat's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSubmission {
    /// WeChat took it; the verdict comes as a push.
    Submitted,
    /// Not shown to others: not checked.
    Private,
    /// WeChat could not be asked: the image stays, logged as unchecked.
    Unchecked,
}

/// What a `wxa_media_check` verdict did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaVerdict {
    /// WeChat passed the image.
    Passed,
    /// WeChat refused it: the object is deleted and taken off its owner's profile.
    Removed,
    /// Not one of ours, or already applied (WeChat pushes again when unsure we got it).
    Unknown,
}

/// Images others will see (avatars, review photos) go through WeChat's `media_check_async`
/// after upload; its verdict, pushed to `wechat-push`, removes a refused one. Built once per
/// process.
#[derive(Clone)]
pub struct MediaChecks {
    tokens: AccessTokens,
    files: Files,
    store: Store,
    clock: Clock,
}

impl MediaChecks {
    pub fn new(tokens: AccessTokens, files: Files, store: Store, clock: Clock) -> Self {
        Self {
            tokens,
            files,
            store,
            clock,
        }
    }

    /// Sends a new upload shown to others to WeChat's check (one WeChat call, one PutItem).
    /// Never fails the upload: when WeChat cannot be asked, the image stays and is logged.
    #[tracing::instrument(skip_all, fields(key = %file.key.as_str()))]
    pub async fn submit(&self, file: &FileRecord) -> Result<MediaSubmission, StorageError> {
        if !file.purpose.is_shown_to_others() {
            return Ok(MediaSubmission::Private);
        }
        let Some(owner) = Openid::parse(file.key.owner()) else {
            return Ok(MediaSubmission::Unchecked);
        };
        let url = match self.files.download_url(&file.key).await {
            Ok((url, _)) => url,
            Err(err) => {
                tracing::warn!(error = %err, unchecked = true, "no URL for WeChat's image check");
                return Ok(MediaSubmission::Unchecked);
            }
        };
        let scene = if file.purpose == UploadPurpose::Avatar {
            TextScene::Profile
        } else {
            TextScene::Comment
        };
        let asked = self
            .tokens
            .call(|wechat, token| {
                let (owner, url) = (&owner, url.as_str());
                async move { wechat.media_check_async(&token, owner, scene, url).await }
            })
            .await;
        match asked {
            Ok(trace_id) => {
                let check = MediaCheck {
                    trace_id,
                    key: file.key.clone(),
                    owner,
                };
                self.store.save_media_check(&check, self.clock.now()).await?;
                tracing::info!(trace_id = %check.trace_id, "image sent to WeChat's check");
                Ok(MediaSubmission::Submitted)
            }
            Err(err) => {
                tracing::warn!(error = %err, unchecked = true, "image kept without WeChat's check");
                Ok(MediaSubmission::Unchecked)
            }
        }
    }

    /// Applies a `wxa_media_check` event: a refused image (`risky` or `review`) is deleted and
    /// taken off its owner's profile. Idempotent: a repeated event finds nothing to do.
    #[tracing::instrument(skip_all)]
    pub async fn apply(&self, event: &serde_json::Value) -> Result<MediaVerdict, MediaEventError> {
        let trace_id = event["trace_id"]
            .as_str()
            .ok_or(MediaEventError::Malformed("no trace_id"))?;
        let suggest = event["result"]["suggest"]
            .as_str()
            .ok_or(MediaEventError::Malformed("no result.suggest"))?;
        let Some(check) = self.store.media_check(trace_id).await? else {
            tracing::info!(trace_id, "a verdict on no image of ours (or applied already)");
            return Ok(MediaVerdict::Unknown);
        };
        let verdict = if suggest == "pass" {
            MediaVerdict::Passed
        } else {
            tracing::warn!(
                security_event = "image_refused",
                trace_id,
                suggest,
                label = event["result"]["label"].as_i64().unwrap_or(0),
                key = %check.key.as_str(),
                "image refused by WeChat's check: removed"
            );
            self.files.remove(&check.key).await.map_err(|err| match err {
                FileError::Storage(err) => MediaEventError::Storage(err),
                other => MediaEventError::Storage(StorageError::failed("deleting the image", other)),
            })?;
            self.store
                .clear_avatar(&check.owner, check.key.as_str(), self.clock.now())
                .await?;
            MediaVerdict::Removed
        };
        self.store.forget_media_check(trace_id).await?;
        Ok(verdict)
    }
}

/// Why a `wxa_media_check` event was not applied.
#[derive(Debug, thiserror::Error)]
pub enum MediaEventError {
    #[error("the event is malformed: {0}")]
    Malformed(&'static str),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a message push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// WeChat's URL verification: answer this `echostr`.
    Verified(String),
    /// An image verdict, applied.
    Media(MediaVerdict),
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
}

/// WeChat's message push: the URL verification and the events we act on. Built once per
/// process by `wechat-push`.
#[derive(Clone)]
pub struct PushReceiver {
    keys: PushKeys,
    media: MediaChecks,
}

impl PushReceiver {
    pub fn new(keys: PushKeys, media: MediaChecks) -> Self {
        Self { keys, media }
    }

    /// The GET of WeChat's URL verification.
    pub fn verify(&self, query: &PushQuery<'_>) -> Result<PushOutcome, PushRefusal> {
        let echo = self.keys.verify_url(query).inspect_err(|_| {
            tracing::warn!(
                security_event = "forged_push",
                "a URL verification with a wrong signature"
            );
        })?;
        Ok(PushOutcome::Verified(echo.to_owned()))
    }

    /// A POSTed event: signatures checked (and decrypted in safe mode) before anything is read.
    #[tracing::instrument(skip_all)]
    pub async fn receive(&self, query: &PushQuery<'_>, body: &[u8]) -> Result<PushOutcome, PushRefusal> {
        let event = self.keys.open(query, body).inspect_err(|err| {
            if *err == PushError::Forged {
                tracing::warn!(security_event = "forged_push", "a push with a wrong signature");
            }
        })?;
        match event["Event"].as_str() {
            Some("wxa_media_check") => Ok(PushOutcome::Media(self.media.apply(&event).await?)),
            other => Ok(PushOutcome::Ignored(
                other.unwrap_or("(none)").chars().take(64).collect(),
            )),
        }
    }
}
