//! `deleteOperator` (DELETE /admin/operators/{id}, owners): removes another operator; their
//! sessions end on their next request.

use serde::{Deserialize, Serialize};

use crate::domain::operators::OwnerOnly;
use crate::operators::accounts::Accounts;
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `deleteOperator`'s input: the operator (path).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteOperatorInput {
    pub id: String,
}

/// What removing answers.
#[derive(Debug, Serialize)]
pub struct OperatorRemoved {
    pub id: String,
}

endpoint! {
    /// `DELETE /admin/operators/{id}`.
    DeleteOperator: DELETE "delete-operator", Staff<OwnerOnly>, Accounts;
    fn(accounts, ctx, input: DeleteOperatorInput) -> OperatorRemoved {
        if input.id == ctx.caller.operator()?.id {
            return Err(ApiError::validation("id", "an owner does not remove themselves (不能删除自己的账号)"));
        }
        accounts.remove(&input.id).await?;
        Ok::<_, ApiError>(OperatorRemoved { id: input.id })
    }
}
