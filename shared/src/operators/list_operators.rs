//! `listOperators` (GET /admin/operators, owners): every operator and their role.

use serde::Serialize;

use crate::domain::operators::{OperatorView, OwnerOnly};
use crate::operators::accounts::Accounts;
use crate::runtime::http::{NoInput, endpoint};
use crate::runtime::staff::Staff;

/// The operators.
#[derive(Debug, Serialize)]
pub struct OperatorList {
    pub items: Vec<OperatorView>,
}

endpoint! {
    /// `GET /admin/operators`.
    ListOperators: GET "list-operators", Staff<OwnerOnly>, Accounts;
    fn(accounts, _ctx, _input: NoInput) -> OperatorList {
        Ok::<_, crate::ApiError>(OperatorList { items: accounts.list().await? })
    }
}
