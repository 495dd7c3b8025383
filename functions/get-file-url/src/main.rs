//! `get-file-url`: GET /files/url.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::files::GetFileUrl>().await
}
