//! `refund-order-part`: POST /admin/orders/{id}/refunds.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {
    shared::serve::<shared::after_sales::RefundOrderPart>().await
}
