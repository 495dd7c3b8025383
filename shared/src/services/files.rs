//! Files: upload tokens (presigned POST) and download URLs for the caller's own files (CloudFront
//! signed URLs on our own domain when the CDN is configured, else presigned S3 GETs), all signed
//! locally (zero AWS round trips), and the check of every new upload.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::domain::ids::Openid;
use crate::domain::time::{Clock, Timestamp};
use crate::domain::uploads::{
    FileStatus, ObjectKey, UploadError, UploadLimits, UploadPurpose, signing_window_start,
};
use crate::domain::users::UserProfile;
use crate::infra::cdn::CdnSigner;
use crate::infra::crypto::random_id;
use crate::infra::s3::{PresignedPost, Reference, S3Gateway};
use crate::infra::store::{FileRecord, StorageError, Store};
use crate::services::moderation::MediaChecks;

/// Why a file request failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Invalid(#[from] UploadError),
    /// The key is not an allowed image the caller uploaded.
    #[error("must be an image you uploaded")]
    NotYourImage,
    /// The caller's stored files and this one would exceed their storage quota.
    #[error(
        "storing {size} more bytes would exceed the quota of {quota_bytes} bytes ({stored_bytes} stored)"
    )]
    QuotaExceeded {
        stored_bytes: u64,
        size: u64,
        quota_bytes: u64,
    },
    /// A key could not be made for this upload (a bug: owners and extensions are slugs).
    #[error("no object key fits owner {owner} and extension {extension}")]
    KeyLayout { owner: Openid, extension: &'static str },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A download URL for one key, or why there is none.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FileUrl {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub status: FileStatus,
}

/// Signs upload policies and download URLs. Built once per process.
#[derive(Clone, Debug)]
pub struct Files {
    s3: S3Gateway,
    /// Signs download URLs on the CDN's domain; without it they are presigned S3 GETs (on the
    /// bucket's amazonaws.com host, which WeChat refuses outside DevTools: local development).
    cdn: Option<Arc<CdnSigner>>,
    limits: Arc<UploadLimits>,
    url_ttl: Duration,
    clock: Clock,
}

impl Files {
    pub fn new(s3: S3Gateway, limits: UploadLimits, url_ttl: Duration, clock: Clock) -> Self {
        Self {
            s3,
            cdn: None,
            limits: Arc::new(limits),
            url_ttl,
            clock,
        }
    }

    /// Serves downloads through the CDN: download URLs become CloudFront signed URLs.
    pub fn with_cdn(mut self, cdn: CdnSigner) -> Self {
        self.cdn = Some(Arc::new(cdn));
        self
    }

    /// A download URL for `key` (CloudFront signed URL, or presigned S3 GET) and when it expires.
    /// Signed from the start of the current half-TTL window, so repeated reads answer the same URL
    /// for a while (the mini-program's image cache keeps working) and every answer stays valid
    /// for at least half the TTL.
    pub async fn download_url(&self, key: &ObjectKey) -> Result<(String, Timestamp), FileError> {
        self.download_url_of(key.as_str()).await
    }

    /// [`Self::download_url`] for any object of the bucket (a generated share code).
    pub async fn download_url_of(&self, key: &str) -> Result<(String, Timestamp), FileError> {
        let signed_at = signing_window_start(self.clock.now(), self.url_ttl);
        let expires_at = signed_at.plus(self.url_ttl);
        let url = match &self.cdn {
            Some(cdn) => cdn.signed_url(key, expires_at)?,
            None => self.s3.download_url(key, signed_at, self.url_ttl).await?,
        };
        Ok((url, expires_at))
    }

    /// Deletes the upload `key` (one DeleteObject); `onUpload` then forgets its record and bytes.
    pub async fn remove(&self, key: &ObjectKey) -> Result<(), FileError> {
        Ok(self.s3.delete(key.as_str()).await?)
    }

    /// Marks the upload `key` as referenced, so the lifecycle rule keeps it. One PutObjectTagging.
    pub async fn keep(&self, key: &ObjectKey) -> Result<(), FileError> {
        Ok(self.s3.tag(key, Reference::Referenced).await?)
    }

    /// Fills `profile.avatar_url` with a download URL when the avatar is an upload.
    pub async fn resolve_avatar(&self, mut profile: UserProfile) -> Result<UserProfile, FileError> {
        if let Some(key) = profile.uploaded_avatar() {
            profile.avatar_url = self.download_url(&key).await?.0;
        }
        Ok(profile)
    }

    /// Checks that `key` is an image `owner` uploaded: their own prefix, present in the bucket,
    /// an allowed image type. One HeadObject.
    pub async fn owned_image(&self, owner: &Openid, key: &str) -> Result<ObjectKey, FileError> {
        let object = ObjectKey::owned_by(key, owner).ok_or(FileError::NotYourImage)?;
        let head = self.s3.head(key).await?.ok_or(FileError::NotYourImage)?;
        let content_type = head.content_type.as_deref();
        let image = content_type.is_some_and(|t| t.starts_with("image/"));
        let allowed = self
            .limits
            .check_object(&object, head.size, head.declared_size, content_type);
        if image && allowed.is_ok() {
            Ok(object)
        } else {
            Err(FileError::NotYourImage)
        }
    }

    /// Download URLs for `keys`; keys outside `owner`'s files are answered NOT_FOUND.
    pub async fn download_urls(&self, owner: &Openid, keys: &[String]) -> Result<Vec<FileUrl>, FileError> {
        let mut answers = Vec::with_capacity(keys.len());
        for key in keys {
            let answer = match ObjectKey::owned_by(key, owner) {
                Some(object) => {
                    let (url, expires_at) = self.download_url(&object).await?;
                    FileUrl {
                        key: key.clone(),
                        url: Some(url),
                        expires_at: Some(expires_at),
                        status: FileStatus::Ok,
                    }
                }
                None => FileUrl {
                    key: key.clone(),
                    url: None,
                    expires_at: None,
                    status: FileStatus::NotFound,
                },
            };
            answers.push(answer);
        }
        Ok(answers)
    }
}

/// Grants uploads within the caller's storage quota.
#[derive(Clone)]
pub struct UploadGrants {
    files: Files,
    store: Store,
    quota_bytes: u64,
}

impl UploadGrants {
    pub fn new(files: Files, store: Store, quota_bytes: u64) -> Self {
        Self {
            files,
            store,
            quota_bytes,
        }
    }

    /// A presigned POST for a new object of `owner`, at a key the server chooses, if it keeps the
    /// limits and the quota: one GetItem of the owner's usage; the policy is signed locally.
    pub async fn grant(
        &self,
        owner: &Openid,
        content_type: &str,
        size: u64,
        purpose: UploadPurpose,
    ) -> Result<PresignedPost, FileError> {
        let extension = self.files.limits.check_request(content_type, size)?;
        let usage = self.store.usage(owner).await?;
        if usage.stored_bytes.saturating_add(size) > self.quota_bytes {
            return Err(FileError::QuotaExceeded {
                stored_bytes: usage.stored_bytes,
                size,
                quota_bytes: self.quota_bytes,
            });
        }
        let now = Timestamp::now();
        let key = ObjectKey::generate(owner, extension, now, &random_id(18)).ok_or_else(|| {
            FileError::KeyLayout {
                owner: owner.clone(),
                extension,
            }
        })?;
        Ok(self
            .files
            .s3
            .upload_policy(&key, content_type, purpose, size, now)
            .await?)
    }
}

/// What became of one new object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadVerdict {
    Recorded,
    /// Already recorded (S3 delivers events at least once).
    Duplicate,
    /// Outside the layout or the limits: deleted.
    Deleted,
    /// Gone before we looked.
    Missing,
    /// Deleted or expired in the bucket: its record and its bytes are forgotten.
    Forgotten,
}

/// Checks every new object against the limits, records the ones that keep them and deletes the rest.
#[derive(Clone)]
pub struct UploadChecks {
    files: Files,
    store: Store,
    media: Option<MediaChecks>,
}

impl UploadChecks {
    pub fn new(files: Files, store: Store) -> Self {
        Self {
            files,
            store,
            media: None,
        }
    }

    /// Sends every new upload others will see to WeChat's image check.
    pub fn with_media_checks(mut self, media: MediaChecks) -> Self {
        self.media = Some(media);
        self
    }

    pub fn bucket(&self) -> &str {
        self.files.s3.bucket()
    }

    /// Forgets an object the bucket no longer holds (deleted, or expired by the lifecycle rule):
    /// its record and its bytes in the owner's usage. Idempotent.
    pub async fn forget(&self, key: &str) -> Result<UploadVerdict, FileError> {
        match ObjectKey::parse(key) {
            Some(key) if self.store.forget_file(&key).await? => Ok(UploadVerdict::Forgotten),
            _ => Ok(UploadVerdict::Missing),
        }
    }

    /// Checks the object at `key` (one HeadObject), then records it with its bytes counted (one
    /// transaction) or deletes it (one DeleteObject). Idempotent.
    pub async fn check(
        &self,
        key: &str,
        sequencer: String,
        created_at: Timestamp,
    ) -> Result<UploadVerdict, FileError> {
        let Some(object_key) = ObjectKey::parse(key) else {
            tracing::warn!(key, "deleting an object outside the upload layout");
            self.files.s3.delete(key).await?;
            return Ok(UploadVerdict::Deleted);
        };
        let Some(head) = self.files.s3.head(key).await? else {
            return Ok(UploadVerdict::Missing);
        };
        if let Err(reason) = self.files.limits.check_object(
            &object_key,
            head.size,
            head.declared_size,
            head.content_type.as_deref(),
        ) {
            tracing::warn!(key, reason, "deleting an upload that breaks the limits");
            self.files.s3.delete(key).await?;
            return Ok(UploadVerdict::Deleted);
        }
        let file = FileRecord {
            key: object_key,
            size: head.size,
            content_type: head.content_type.unwrap_or_default(),
            purpose: head.purpose.unwrap_or(UploadPurpose::General),
            created_at,
            sequencer,
        };
        let recorded = self.store.record_file(&file).await?;
        if let Some(media) = &self.media {
            // A repeated event (Lambda's retry after a failure) asks WeChat only if the first
            // ask was lost with the failure.
            let asked = !recorded
                && file.purpose.is_shown_to_others()
                && self.store.media_check_asked(&file.key).await?;
            if !asked {
                media.submit(&file).await?;
            }
        }
        Ok(if recorded {
            UploadVerdict::Recorded
        } else {
            UploadVerdict::Duplicate
        })
    }
}
