//! The states an order moves through, and the one table of allowed transitions.

use crate::domain::closed_set;

closed_set! {
    /// An order's state.
    pub enum OrderStatus {
        PendingPayment = "PENDING_PAYMENT",
        Paid = "PAID",
        /// Handed to a carrier (reported to WeChat): the owner can no longer ask for a refund; the
        /// merchant can, and its stock is not put back.
        Shipped = "SHIPPED",
        /// Some of its units left (split delivery), the rest will: the owner can no longer ask
        /// for a refund; the merchant can, and only what did not leave is put back.
        PartiallyShipped = "PARTIALLY_SHIPPED",
        /// The buyer confirmed receipt (or WeChat confirmed it for them and settled the order):
        /// WeChat's `trade_manage_order_settlement` push.
        Completed = "COMPLETED",
        /// A full refund was asked of WeChat Pay; its notification ends it.
        Refunding = "REFUNDING",
        Refunded = "REFUNDED",
        Cancelled = "CANCELLED",
    }
}

impl OrderStatus {
    /// Every transition an order may make: the one table of an order's life. The store writes
    /// each one conditionally on the order still being in `from`.
    pub const TRANSITIONS: &'static [(Self, Self)] = &[
        (Self::PendingPayment, Self::Paid),
        (Self::PendingPayment, Self::Cancelled),
        (Self::Paid, Self::Shipped),
        (Self::Paid, Self::PartiallyShipped),
        // Another delivery of a split order.
        (Self::PartiallyShipped, Self::PartiallyShipped),
        (Self::PartiallyShipped, Self::Shipped),
        (Self::Paid, Self::Refunding),
        (Self::Shipped, Self::Refunding),
        (Self::PartiallyShipped, Self::Refunding),
        (Self::Shipped, Self::Completed),
        // After-sales refunds that add up to everything paid.
        (Self::Paid, Self::Refunded),
        (Self::PartiallyShipped, Self::Refunded),
        (Self::Shipped, Self::Refunded),
        (Self::Completed, Self::Refunded),
        (Self::Refunding, Self::Refunded),
    ];

    /// Whether an order in this state may move to `to`.
    pub fn can_become(self, to: Self) -> bool {
        Self::TRANSITIONS.contains(&(self, to))
    }
}
