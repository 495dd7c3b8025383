//! `signIn` (POST /admin/session): an operator signs in to the console with e-mail, password and
//! TOTP code; the session comes back as an HttpOnly cookie, its CSRF token in the answer.

use crate::operators::accounts::{Accounts, SignInInput, SignedIn};
use crate::runtime::http::{Limit, Public, endpoint};

fn cookie(output: &SignedIn) -> Vec<(&'static str, String)> {
    vec![("set-cookie", output.cookie.clone())]
}

endpoint! {
    /// `POST /admin/session`: counted per source address, and per account by the failures.
    SignIn: POST "sign-in", Public, Accounts,
        limit = Limit::PerIp(crate::domain::limits::Scope::SignIn), headers = cookie;
    fn(accounts, ctx, input: SignInInput) -> SignedIn {
        accounts.sign_in(input, ctx.header("origin"), ctx.source_ip(), &ctx.request_id).await
    }
}
