//! `getMe` (GET /admin/me): who is signed in, in which role, and the session's CSRF token (the
//! console asks on load: the cookie is not readable by its script).

use serde::Serialize;

use crate::domain::operators::{Email, Myself, Role};
use crate::runtime::http::{NoInput, endpoint};
use crate::runtime::staff::Staff;

/// What `getMe` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    pub email: Email,
    pub role: Role,
    pub csrf_token: String,
    pub must_change_password: bool,
}

endpoint! {
    /// `GET /admin/me`.
    GetMe: GET "get-me", Staff<Myself>, ();
    fn(_service, ctx, _input: NoInput) -> Me {
        let operator = ctx.caller.operator()?;
        Ok::<_, crate::ApiError>(Me {
            id: operator.id.clone(),
            email: operator.email.clone(),
            role: operator.role,
            csrf_token: ctx.caller.session()?.csrf_token.clone(),
            must_change_password: operator.must_change_password,
        })
    }
}
