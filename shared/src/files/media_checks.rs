//! Content security of images: images others will see (avatars, review photos) go through
//! WeChat's `media_check_async` after upload, and a refused one is removed when the verdict is
//! pushed (`wechat-push`).

use crate::domain::ids::Openid;
use crate::domain::time::Clock;
use crate::domain::uploads::UploadPurpose;
use crate::files::objects::{FileError, Files, upload_files};
use crate::infra::access_token::AccessTokens;
use crate::infra::store::{FileRecord, MediaCheck, StorageError, Store};
use crate::infra::wechat::TextScene;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

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
        // WeChat checks on behalf of a user: an older key names them, a newer one keeps them in
        // its uploader tag (one GetObjectTagging).
        let owner = match file.key.legacy_openid() {
            Some(openid) => Openid::parse(openid),
            None => self.files.s3.uploader(&file.key).await?,
        };
        let Some(owner) = owner else {
            tracing::warn!(unchecked = true, "no uploader for WeChat's image check");
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

impl Build for MediaChecks {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(MediaChecks::new(
            startup.access_tokens().await?,
            upload_files(startup)?,
            startup.store(),
            startup.clock(),
        ))
    }
}
