//! `on-upload`: the S3 `ObjectCreated` trigger of the upload bucket.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::runtime::events::serve::<shared::files::OnUpload>().await
}
