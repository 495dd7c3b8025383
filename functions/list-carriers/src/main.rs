//! `list-carriers`: GET /admin/carriers.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::fulfilment::ListCarriers>().await
}
