//! `listAdminOrders` (GET /admin/orders): the orders placed on a day (China time), oldest first,
//! optionally in one state or to a phone ending in four given digits; addresses masked.

use serde::Deserialize;

use crate::domain::operators::AnyOperator;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::paging::{PageSize, Position, QueuePage};
use crate::orders::desk::{OrderDesk, is_last4, parse_day};
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `listAdminOrders`' query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAdminOrdersInput {
    /// `YYYY-MM-DD` (China time); today when absent.
    #[serde(default)]
    pub day: Option<String>,
    #[serde(default)]
    pub status: Option<OrderStatus>,
    /// The last four digits of the delivery phone.
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub limit: PageSize,
    /// The `next` of the previous page.
    #[serde(default)]
    pub after: Option<Position>,
}

endpoint! {
    /// `GET /admin/orders?day=&status=&phone=&limit=&after=`.
    ListAdminOrders: GET "list-admin-orders", Staff<AnyOperator>, OrderDesk;
    fn(desk, _ctx, input: ListAdminOrdersInput) -> QueuePage<Order> {
        let day = input
            .day
            .map(|day| parse_day(&day).ok_or_else(|| ApiError::validation("day", "must be a date, YYYY-MM-DD")))
            .transpose()?;
        if let Some(phone) = &input.phone
            && !is_last4(phone)
        {
            return Err(ApiError::validation("phone", "must be the last 4 digits of the phone number"));
        }
        let page = desk
            .of_day(day, input.status, input.phone.as_deref(), input.after.as_ref(), input.limit.get() as i32)
            .await?;
        Ok::<_, ApiError>(page.into())
    }
}
