//! `changePassword` (POST /admin/password): the signed-in operator replaces their password
//! (the initial one must be, before anything else works); every other session ends.

use serde::{Deserialize, Serialize};

use crate::domain::operators::Myself;
use crate::operators::accounts::Accounts;
use crate::runtime::error::ApiError;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

/// `changePassword`'s input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordInput {
    pub current: String,
    pub new: String,
}

/// What `changePassword` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChanged {
    pub must_change_password: bool,
}

endpoint! {
    /// `POST /admin/password`.
    ChangePassword: POST "change-password", Staff<Myself>, Accounts;
    fn(accounts, ctx, input: ChangePasswordInput) -> PasswordChanged {
        let hash = ctx.caller.session_hash().ok_or(ApiError::ConsoleSignInRequired)?;
        accounts
            .change_password(ctx.caller.operator()?, hash, &input.current, &input.new)
            .await?;
        Ok::<_, ApiError>(PasswordChanged { must_change_password: false })
    }
}
