//! The uploads bucket's objects: download URLs for the caller's own files (CloudFront signed URLs
//! on our own domain when the CDN is configured, else presigned S3 GETs), signed locally (zero AWS
//! round trips), and the removal and keeping of objects.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::domain::ids::Openid;
use crate::domain::time::{Clock, Timestamp};
use crate::domain::uploads::{
    FileStatus, ObjectKey, UploadError, UploadLimits, Uploader, signing_window_start,
};
use crate::domain::users::UserProfile;
use crate::infra::cdn::CdnSigner;
use crate::infra::crypto::sha256_hex;
use crate::infra::s3::{Reference, S3Gateway};
use crate::infra::store::StorageError;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// The uploader `openid` as object keys name them: an opaque id, one-way from the openid (SHA-256
/// under this project's label, 128 bits), so a key or a download URL never carries the openid.
/// The same openid always gives the same id: no table read to find it.
pub fn uploader(openid: &Openid) -> Uploader {
    let digest = sha256_hex(format!("wx-serverless/uploader/v1\n{openid}").as_bytes());
    Uploader {
        openid: openid.clone(),
        id: digest[..32].to_owned(),
    }
}

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
    pub(super) s3: S3Gateway,
    /// Signs download URLs on the CDN's domain; without it they are presigned S3 GETs (on the
    /// bucket's amazonaws.com host, which WeChat refuses outside DevTools: local development).
    cdn: Option<Arc<CdnSigner>>,
    pub(super) limits: Arc<UploadLimits>,
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

    /// Marks the upload `key` of `owner` as referenced, so the lifecycle rule keeps it (its
    /// uploader tag kept). One PutObjectTagging.
    pub async fn keep(&self, key: &ObjectKey, owner: &Openid) -> Result<(), FileError> {
        Ok(self.s3.tag(key, Reference::Referenced, owner).await?)
    }

    /// Fills `profile.avatar_url` with a download URL when the avatar is an upload.
    pub async fn resolve_avatar(&self, mut profile: UserProfile) -> Result<UserProfile, FileError> {
        if let Some(key) = profile.uploaded_avatar() {
            profile.avatar_url = self.download_url(&key).await?.0;
        }
        Ok(profile)
    }

    /// Checks that `key` is an avatar `owner` uploaded: their own prefix, present in the bucket,
    /// an allowed image type, and uploaded for the purpose `avatar` (pinned by the signed policy),
    /// so that on-upload sent it to WeChat's image check; an upload of another purpose never was.
    /// One HeadObject.
    pub async fn owned_avatar(&self, owner: &Openid, key: &str) -> Result<ObjectKey, FileError> {
        let object = ObjectKey::owned_by(key, &uploader(owner)).ok_or(FileError::NotYourImage)?;
        let head = self.s3.head(key).await?.ok_or(FileError::NotYourImage)?;
        let content_type = head.content_type.as_deref();
        let image = content_type.is_some_and(|t| t.starts_with("image/"))
            && head.purpose == Some(crate::domain::uploads::UploadPurpose::Avatar);
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
        let owner = uploader(owner);
        for key in keys {
            let answer = match ObjectKey::owned_by(key, &owner) {
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

/// Files that issue download URLs: through the CDN when it is configured (its private key read
/// once here), else presigned S3 GETs.
impl Build for Files {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        let files = upload_files(startup)?;
        Ok(match startup.download_cdn().await? {
            Some(cdn) => files.with_cdn(cdn),
            None => files,
        })
    }
}

/// Files for the upload side only (upload-token, on-upload): they issue no download URLs, so
/// they never load the CDN's private key.
pub(crate) fn upload_files(startup: &Startup) -> Result<Files, ConfigError> {
    Ok(Files::new(
        startup.s3_gateway()?,
        crate::files::settings::upload_limits(&startup.env)?,
        crate::files::settings::file_url_ttl(&startup.env)?,
        startup.clock(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uploaders_id_is_fixed_per_openid_opaque_and_never_another_users() {
        let alice = Openid::parse("oAbCdEf123_alice-0").unwrap();
        let bob = Openid::parse("oAbCdEf123_bob-0000").unwrap();

        let id = uploader(&alice).id;

        assert_eq!(id, uploader(&alice).id, "the same openid, the same id");
        assert_ne!(id, uploader(&bob).id);
        assert_eq!(id.len(), 32);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(!id.contains("alice") && !id.contains(alice.as_str()));
    }
}
