//! `updateOperator` (PATCH /admin/operators/{id}, owners): another operator's role, or new
//! credentials for them (`reset`: a new initial password and TOTP secret, every session ended).
//! An owner changes neither their own role nor their own credentials here.

use serde::{Deserialize, Serialize};

use crate::domain::operators::{OperatorView, OwnerOnly, Role};
use crate::operators::accounts::{Accounts, Enrolment};
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `updateOperator`'s input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOperatorInput {
    pub id: String,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub reset: bool,
}

/// The operator as changed, and new credentials when they were reset.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorUpdated {
    pub operator: OperatorView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_uri: Option<String>,
}

endpoint! {
    /// `PATCH /admin/operators/{id}`.
    UpdateOperator: PATCH "update-operator", Staff<OwnerOnly>, Accounts;
    fn(accounts, ctx, input: UpdateOperatorInput) -> OperatorUpdated {
        if input.id == ctx.caller.operator()?.id {
            return Err(ApiError::validation("id", "an owner does not change their own account here (不能修改自己的账号)"));
        }
        if input.role.is_none() && !input.reset {
            return Err(ApiError::validation("role", "give a role, or reset: true"));
        }
        let mut view = None;
        if let Some(role) = input.role {
            view = Some(accounts.set_role(&input.id, role).await?);
        }
        if input.reset {
            let Enrolment { operator, password, totp_uri } = accounts.reset_by_id(&input.id).await?;
            return Ok(OperatorUpdated { operator, password: Some(password), totp_uri: Some(totp_uri) });
        }
        Ok::<_, ApiError>(OperatorUpdated {
            operator: view.ok_or(ApiError::NotFound("operator"))?,
            password: None,
            totp_uri: None,
        })
    }
}
