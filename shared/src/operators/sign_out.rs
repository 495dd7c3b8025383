//! `signOut` (DELETE /admin/session): ends the console session and removes its cookie.

use crate::domain::operators::Myself;
use crate::operators::accounts::{Accounts, SignedOut};
use crate::runtime::error::ApiError;
use crate::runtime::http::{NoInput, endpoint};
use crate::runtime::staff::Staff;

fn cookie(output: &SignedOut) -> Vec<(&'static str, String)> {
    vec![("set-cookie", output.cookie.clone())]
}

endpoint! {
    /// `DELETE /admin/session`.
    SignOut: DELETE "sign-out", Staff<Myself>, Accounts, headers = cookie;
    fn(accounts, ctx, _input: NoInput) -> SignedOut {
        let hash = ctx.caller.session_hash().ok_or(ApiError::ConsoleSignInRequired)?;
        accounts.sign_out(ctx.caller.operator()?, hash, ctx.header("origin")).await
    }
}
