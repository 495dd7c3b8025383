//! `imageUploadToken` (POST /admin/images): a catalog image uploaded from the console the way the
//! mini-program uploads files: a presigned POST straight to the bucket (under `catalog/`), and
//! the URL the image will have for the product's `images`.

use serde::Deserialize;

use crate::catalog::images::{CatalogImages, ImageUpload};
use crate::domain::operators::Catalog;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `imageUploadToken`'s input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageUploadTokenInput {
    pub content_type: String,
    /// The file's size in bytes: the most the POST accepts.
    pub size: i64,
}

endpoint! {
    /// `POST /admin/images`.
    ImageUploadToken: POST "image-upload-token", Staff<Catalog>, CatalogImages;
    fn(images, _ctx, input: ImageUploadTokenInput) -> ImageUpload {
        images.upload(&input.content_type, input.size).await
    }
}
