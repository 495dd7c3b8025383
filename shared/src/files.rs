//! The file service: upload tokens (presigned POST) and download URLs (presigned GET) for the
//! caller's own files. Both are signed locally: zero AWS round trips.

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::presigning::PresigningConfig;
use serde::Serialize;

use crate::error::ApiError;
use crate::time::Timestamp;
use crate::uploads::{self, ObjectKey, PresignedPost, UploadConfig};
use crate::users::UserProfile;

/// Signs upload policies and download URLs. Built once per process.
#[derive(Clone, Debug)]
pub struct Files {
    s3: aws_sdk_s3::Client,
    config: std::sync::Arc<UploadConfig>,
    credentials: SharedCredentialsProvider,
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
    /// `OK`, or `NOT_FOUND` for a key outside the caller's own files.
    pub status: &'static str,
}

impl Files {
    pub fn new(s3: aws_sdk_s3::Client, config: UploadConfig, credentials: SharedCredentialsProvider) -> Self {
        Self {
            s3,
            config: std::sync::Arc::new(config),
            credentials,
        }
    }

    pub fn config(&self) -> &UploadConfig {
        &self.config
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        &self.s3
    }

    /// A presigned POST for a new object of `owner`.
    pub async fn upload_token(
        &self,
        owner: &str,
        content_type: &str,
        size: Option<u64>,
        purpose: &str,
    ) -> Result<PresignedPost, ApiError> {
        let extension = uploads::check_request(&self.config, content_type, size)?;
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| ApiError::internal("loading the signing credentials", e))?;
        let now = Timestamp::now();
        let key = ObjectKey::generate(owner, extension, now);
        Ok(uploads::presign_post(
            &self.config,
            &credentials,
            &key,
            content_type,
            purpose,
            now,
        ))
    }

    /// A presigned GET URL for `key`.
    /// The URL is signed from the start of the current half-TTL window, so repeated reads answer
    /// the same URL for a while (the mini-program's image cache keeps working) and every answer
    /// stays valid for at least half the TTL.
    pub async fn download_url(&self, key: &ObjectKey) -> Result<(String, Timestamp), ApiError> {
        let signed_at = uploads::signing_window_start(Timestamp::now(), self.config.file_url_ttl);
        let presigning = PresigningConfig::builder()
            .start_time(signed_at.inner().into())
            .expires_in(self.config.file_url_ttl)
            .build()
            .map_err(|e| ApiError::internal("configuring the presigned URL", e))?;
        let request = self
            .s3
            .get_object()
            .bucket(&self.config.bucket)
            .key(key.as_str())
            .presigned(presigning)
            .await
            .map_err(|e| ApiError::internal("presigning the download URL", e))?;
        Ok((request.uri().to_owned(), signed_at.plus(self.config.file_url_ttl)))
    }

    /// Fills `profile.avatar_url` with a download URL when the avatar is an upload.
    pub async fn resolve_avatar(&self, mut profile: UserProfile) -> Result<UserProfile, ApiError> {
        if let Some(key) = profile
            .avatar_key
            .as_deref()
            .and_then(|k| ObjectKey::owned_by(k, &profile.openid))
        {
            profile.avatar_url = self.download_url(&key).await?.0;
        }
        Ok(profile)
    }

    /// Checks that `key` is an image `owner` uploaded: their own prefix, present in the bucket,
    /// an allowed image type. One HeadObject.
    pub async fn owned_image(&self, owner: &str, key: &str) -> Result<ObjectKey, ApiError> {
        let refused = || ApiError::validation("avatarKey", "must be an image you uploaded");
        let object = ObjectKey::owned_by(key, owner).ok_or_else(refused)?;
        let head = self
            .s3
            .head_object()
            .bucket(&self.config.bucket)
            .key(key)
            .send()
            .await;
        match head {
            Ok(head) => {
                let image = head.content_type().is_some_and(|t| t.starts_with("image/"));
                let allowed = uploads::object_allowed(
                    &self.config,
                    &object,
                    head.content_length().unwrap_or(0),
                    head.content_type(),
                );
                if image && allowed.is_ok() {
                    Ok(object)
                } else {
                    Err(refused())
                }
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Err(refused()),
            Err(err) => Err(crate::store::item::storage_error("checking the avatar", err)),
        }
    }

    /// Download URLs for `keys`; keys outside `owner`'s files are answered NOT_FOUND.
    pub async fn download_urls(&self, owner: &str, keys: &[String]) -> Result<Vec<FileUrl>, ApiError> {
        let mut answers = Vec::with_capacity(keys.len());
        for key in keys {
            let answer = match ObjectKey::owned_by(key, owner) {
                Some(object) => {
                    let (url, expires_at) = self.download_url(&object).await?;
                    FileUrl {
                        key: key.clone(),
                        url: Some(url),
                        expires_at: Some(expires_at),
                        status: "OK",
                    }
                }
                None => FileUrl {
                    key: key.clone(),
                    url: None,
                    expires_at: None,
                    status: "NOT_FOUND",
                },
            };
            answers.push(answer);
        }
        Ok(answers)
    }
}
