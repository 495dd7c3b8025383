//! `createOperator` (POST /admin/operators, owners): a new operator; the answer carries their
//! initial password and TOTP enrolment URI, once (hand them over in person).

use serde::Deserialize;

use crate::domain::operators::{OwnerOnly, Role};
use crate::operators::accounts::{Accounts, Enrolment};
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `createOperator`'s input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOperatorInput {
    pub email: String,
    pub role: Role,
}

endpoint! {
    /// `POST /admin/operators`.
    CreateOperator: POST "create-operator", Staff<OwnerOnly>, Accounts;
    fn(accounts, _ctx, input: CreateOperatorInput) -> Enrolment {
        accounts.create(&input.email, input.role).await
    }
}
