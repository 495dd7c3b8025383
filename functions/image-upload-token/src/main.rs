//! `image-upload-token`: POST /admin/images.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::catalog::ImageUploadToken>().await
}
