//! Uploads: upload tokens (presigned POST, signed locally) within the caller's quota, and the
//! check of every new upload (`onUpload`).

use crate::domain::ids::Openid;
use crate::domain::time::Timestamp;
use crate::domain::uploads::{ObjectKey, UploadPurpose};
use crate::files::media_checks::MediaChecks;
use crate::files::objects::{FileError, Files, upload_files};
use crate::infra::crypto::random_id;
use crate::infra::store::{FileRecord, Store};
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// What an upload grant answers: the presigned POST `wx.uploadFile` sends.
pub use crate::infra::s3::PresignedPost;

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

    /// A presigned POST for a new object of `owner`, at a key the server chooses (named by their
    /// opaque uploader id, never the openid), if it keeps the limits and the quota: the owner's
    /// usage under both names (keys made before opaque ids count under the openid), two
    /// consistent GetItems at once; the policy is signed locally.
    pub async fn grant(
        &self,
        owner: &Openid,
        content_type: &str,
        size: u64,
        purpose: UploadPurpose,
    ) -> Result<PresignedPost, FileError> {
        let extension = self.files.limits.check_request(content_type, size)?;
        let uploader = crate::files::objects::uploader(owner);
        let (usage, older) =
            tokio::try_join!(self.store.usage(&uploader.id), self.store.usage(owner.as_str()))?;
        let stored_bytes = usage.stored_bytes.saturating_add(older.stored_bytes);
        if stored_bytes.saturating_add(size) > self.quota_bytes {
            return Err(FileError::QuotaExceeded {
                stored_bytes,
                size,
                quota_bytes: self.quota_bytes,
            });
        }
        let now = Timestamp::now();
        let key = ObjectKey::generate(&uploader, extension, now, &random_id(18)).ok_or_else(|| {
            FileError::KeyLayout {
                owner: owner.clone(),
                extension,
            }
        })?;
        Ok(self
            .files
            .s3
            .upload_policy(&key, owner, content_type, purpose, size, now)
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

impl Build for UploadGrants {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let limits = crate::files::settings::upload_limits(&startup.env)?;
        Ok(UploadGrants::new(
            upload_files(startup)?,
            startup.store(),
            crate::files::settings::upload_quota(&startup.env, &limits)?,
        ))
    }
}

impl Build for UploadChecks {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let files = upload_files(startup)?;
        let checks = UploadChecks::new(files.clone(), startup.store());
        if !crate::files::settings::media_checks(&startup.env)? {
            return Ok(checks);
        }
        Ok(checks.with_media_checks(MediaChecks::build(startup).await?))
    }
}
