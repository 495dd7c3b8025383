//! Operators in tests: accounts created as `admin create-operator` does, signed in through the
//! real sign-in function (password and TOTP), and requests that carry the console session.

use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::domain::operators::Role;
use shared::infra::totp::{STEP_SECS, TotpSecret};
use shared::operators::accounts::{Accounts, Enrolment};
use shared::operators::{ChangePassword, SignIn};
use shared::runtime::staff::ConsoleOrigins;

use crate::{Reply, RequestBuilder, TestApp, request};

/// The console's origin in tests (as `make dev` serves it).
pub const CONSOLE_ORIGIN: &str = "http://127.0.0.1:9000";
/// The password every signed-in test operator ends up with.
pub const PASSWORD: &str = "a long enough pass phrase";

/// A signed-in operator: the session cookie (`name=value`) and its CSRF token.
#[derive(Debug, Clone)]
pub struct ConsoleLogin {
    pub operator_id: String,
    pub email: String,
    pub cookie: String,
    pub csrf: String,
    pub totp: TotpSecret,
}

/// The TOTP secret of an enrolment.
pub fn totp_of(enrolment: &Enrolment) -> TotpSecret {
    totp_from_uri(&enrolment.totp_uri)
}

/// The TOTP secret of an enrolment URI (`otpauth://totp/...?secret=...`).
pub fn totp_from_uri(uri: &str) -> TotpSecret {
    let secret = uri
        .split(['?', '&'])
        .find_map(|part| part.strip_prefix("secret="))
        .expect("the URI names its secret");
    TotpSecret::from_base32(secret).expect("a base32 secret")
}

/// The code of `secret` `steps_ahead` steps from now (0: the current step; 1: the next one,
/// which is accepted too, for a second sign-in within the same 30 s).
pub fn code(secret: &TotpSecret, now_secs: u64, steps_ahead: u64) -> String {
    format!("{:06}", secret.code_at(now_secs / STEP_SECS + steps_ahead))
}

/// The session cookie a sign-in set, as a `Cookie` header value (`name=value`).
pub fn cookie_of(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("wxs_console="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

impl TestApp {
    /// The operators' accounts service over this app's table.
    pub fn accounts(&self) -> Accounts {
        Accounts::new(
            self.store(),
            self.clock.clone(),
            Some(ConsoleOrigins::parse(CONSOLE_ORIGIN).expect("a valid origin")),
        )
    }

    /// A new operator of `role`, as `admin create-operator` makes one.
    pub async fn create_operator(&self, email: &str, role: &str) -> Enrolment {
        self.accounts()
            .create(email, Role::parse(role).expect("a role"))
            .await
            .expect("create the operator")
    }

    /// Signs in through the sign-in function.
    pub async fn sign_in(&self, email: &str, password: &str, totp: &str) -> Reply {
        self.call::<SignIn>(
            request(Method::POST, "/admin/session")
                .header("origin", CONSOLE_ORIGIN)
                .json(&json!({"email": email, "password": password, "totp": totp})),
        )
        .await
    }

    /// A new operator of `role`, signed in with its initial password, which it then changed
    /// to [`PASSWORD`]: ready for any operation its role allows.
    pub async fn operator_session(&self, role: &str) -> ConsoleLogin {
        let email = format!("{}@shop.example", self.new_user_name(role).to_lowercase());
        let enrolment = self.create_operator(&email, role).await;
        let totp = totp_of(&enrolment);
        let now = self.clock.now().epoch_secs() as u64;
        let signed = self
            .sign_in(&email, &enrolment.password, &code(&totp, now, 0))
            .await;
        assert_eq!(signed.status, 200, "{:?}", signed.body);
        let login = ConsoleLogin {
            operator_id: signed.data()["id"].as_str().expect("an id").to_owned(),
            email,
            cookie: cookie_of(&signed).expect("a session cookie"),
            csrf: signed.data()["csrfToken"]
                .as_str()
                .expect("a CSRF token")
                .to_owned(),
            totp,
        };
        let changed = self
            .call::<ChangePassword>(
                request(Method::POST, "/admin/password")
                    .console(&login)
                    .json(&json!({"current": enrolment.password, "new": PASSWORD})),
            )
            .await;
        assert_eq!(changed.status, 200, "{:?}", changed.body);
        login
    }
}

impl RequestBuilder {
    /// Sent by the console of a signed-in operator: the session cookie, the CSRF token and the
    /// console's Origin.
    pub fn console(self, login: &ConsoleLogin) -> Self {
        self.header("cookie", &login.cookie)
            .header("x-csrf-token", &login.csrf)
            .header("origin", CONSOLE_ORIGIN)
    }
}

/// A JSON body of nothing, for operations that take none.
pub fn nothing() -> Value {
    json!({})
}
