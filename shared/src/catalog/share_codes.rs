//! Share codes: a product's mini-program code (`getwxacodeunlimit`, scene = the product id),
//! generated once per product and page, kept in the bucket, and answered as a download URL.

use serde::Serialize;

use crate::catalog::settings::CodeSettings;
use crate::domain::ids::ProductId;
use crate::domain::time::Timestamp;
use crate::files::objects::{FileError, Files};
use crate::infra::access_token::{AccessTokenError, AccessTokens};
use crate::infra::crypto::sha256_hex;
use crate::infra::s3::S3Gateway;
use crate::infra::store::{StorageError, Store};
use crate::infra::wechat::CodeRequest;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// `getwxacodeunlimit` takes a scene of at most 32 characters.
pub const SCENE_MAX: usize = 32;
/// Where generated codes live in the bucket (outside `uploads/`: no user owns them).
pub const CODES_PREFIX: &str = "codes/";

/// Why no share code was answered.
#[derive(Debug, thiserror::Error)]
pub enum ShareCodeError {
    #[error("product not found")]
    NotFound,
    /// The product's id does not fit a code's scene.
    #[error("the product id is longer than {SCENE_MAX} characters, the most a share code carries")]
    IdTooLong,
    #[error("generating the share code")]
    WeChat(#[source] AccessTokenError),
    #[error(transparent)]
    Files(FileError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<FileError> for ShareCodeError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Storage(err) => Self::Storage(err),
            other => Self::Files(other),
        }
    }
}

/// A product's share code.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareCode {
    pub product_id: ProductId,
    /// The PNG's download URL.
    pub url: String,
    pub expires_at: Timestamp,
}

/// Built once per process by `get-product-code`.
#[derive(Clone)]
pub struct ShareCodes {
    store: Store,
    tokens: AccessTokens,
    s3: S3Gateway,
    files: Files,
    settings: CodeSettings,
}

impl ShareCodes {
    pub fn new(
        store: Store,
        tokens: AccessTokens,
        s3: S3Gateway,
        files: Files,
        settings: CodeSettings,
    ) -> Self {
        Self {
            store,
            tokens,
            s3,
            files,
            settings,
        }
    }

    /// The code of product `id`: one GetItem and one HeadObject; the first time, one WeChat call
    /// and one PutObject as well. The URL is signed locally.
    #[tracing::instrument(skip_all, fields(product = %id))]
    pub async fn code(&self, id: &ProductId) -> Result<ShareCode, ShareCodeError> {
        if id.as_str().len() > SCENE_MAX {
            return Err(ShareCodeError::IdTooLong);
        }
        self.store
            .get_product(id)
            .await?
            .ok_or(ShareCodeError::NotFound)?;
        let key = self.key(id);
        if self.s3.head(&key).await?.is_none() {
            let request = CodeRequest {
                scene: id.as_str(),
                page: &self.settings.page,
                env_version: &self.settings.env_version,
                width: self.settings.width,
            };
            let image = self
                .tokens
                .call(|wechat, token| {
                    let request = &request;
                    async move { wechat.wxacode_unlimit(&token, request).await }
                })
                .await
                .map_err(ShareCodeError::WeChat)?;
            self.s3.put(&key, image, "image/png").await?;
            tracing::info!(key, "share code generated");
        }
        let (url, expires_at) = self.files.download_url_of(&key).await?;
        Ok(ShareCode {
            product_id: id.clone(),
            url,
            expires_at,
        })
    }

    /// One object per product and settings: another page or version makes new codes.
    fn key(&self, id: &ProductId) -> String {
        let settings = format!(
            "{}\n{}\n{}",
            self.settings.page, self.settings.env_version, self.settings.width
        );
        format!(
            "{CODES_PREFIX}{}/{id}.png",
            &sha256_hex(settings.as_bytes())[..12]
        )
    }
}

impl Build for ShareCodes {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(ShareCodes::new(
            startup.store(),
            startup.access_tokens().await?,
            startup.s3_gateway()?,
            Files::build(startup).await?,
            crate::catalog::settings::code_settings(&startup.env)?,
        ))
    }
}
