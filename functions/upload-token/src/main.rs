//! `upload-token`: POST /uploads/token.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::files::UploadToken>().await
}
