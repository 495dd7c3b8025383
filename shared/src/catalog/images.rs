//! Catalog images uploaded from the console: a presigned POST (the uploads' own flow) for a new
//! key under `catalog/`, and the URL buyers will load it from (`CATALOG_IMAGE_BASE_URL`).

use serde::Serialize;

use crate::domain::time::Clock;
use crate::infra::crypto::random_id;
use crate::infra::s3::{PresignedPost, S3Gateway};
use crate::infra::store::StorageError;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// The largest catalog image.
pub const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// The image types a catalog image may be, and their file extensions.
const IMAGE_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
];

/// Why an image upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// `CATALOG_IMAGE_BASE_URL` is not set: there is no URL buyers could load it from.
    #[error("catalog images are not served: set CatalogImageBaseUrl, or paste image URLs")]
    NotServed,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An upload of one image: the POST to make and the URL the image will have.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageUpload {
    #[serde(flatten)]
    pub post: PresignedPost,
    /// Where buyers load the image once it is posted: what goes into the product's `images`.
    pub image_url: String,
}

/// Catalog images. Built once per process.
#[derive(Clone)]
pub struct CatalogImages {
    s3: S3Gateway,
    base: Option<String>,
    clock: Clock,
}

impl CatalogImages {
    pub fn new(s3: S3Gateway, base: Option<String>, clock: Clock) -> Self {
        Self { s3, base, clock }
    }

    /// A presigned POST for one image of `content_type` and at most `size` bytes, at a new key
    /// `catalog/<yyyy>/<mm>/<random>.<ext>`.
    pub async fn upload(&self, content_type: &str, size: i64) -> Result<ImageUpload, ImageError> {
        let Some(base) = &self.base else {
            return Err(ImageError::NotServed);
        };
        let Some((_, extension)) = IMAGE_TYPES.iter().find(|(t, _)| *t == content_type) else {
            return Err(ImageError::Invalid {
                field: "contentType",
                reason: "must be image/jpeg, image/png or image/webp (仅支持 JPG、PNG、WebP 图片)".into(),
            });
        };
        let size = u64::try_from(size)
            .ok()
            .filter(|s| (1..=MAX_IMAGE_BYTES).contains(s))
            .ok_or_else(|| ImageError::Invalid {
                field: "size",
                reason: format!("must be 1 to {MAX_IMAGE_BYTES} bytes (图片不能超过 5 MB)"),
            })?;
        let now = self.clock.now();
        let (year, month) = now.year_month();
        let name = random_id(12).replace(['-', '_'], "x");
        let key = format!("catalog/{year:04}/{month:02}/{name}.{extension}");
        let post = self
            .s3
            .catalog_image_policy(&key, content_type, size, now)
            .await?;
        Ok(ImageUpload {
            image_url: format!("{base}/{key}"),
            post,
        })
    }
}

impl Build for CatalogImages {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(CatalogImages::new(
            startup.s3_gateway()?,
            super::settings::catalog_image_base(&startup.env)?,
            startup.clock(),
        ))
    }
}
