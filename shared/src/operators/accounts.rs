//! Operators' accounts and console sessions: created from the command line (then by an owner),
//! signed in with password and TOTP (failures slow the account down, then lock it for a while),
//! the initial password changed, signed out.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::operators::{
    AuditRecord, ConsoleSession, Email, Operator, OperatorView, Role, check_password, wait_after,
};
use crate::domain::time::{Clock, Timestamp};
use crate::infra::crypto::{random_id, sha256_hex};
use crate::infra::passwords;
use crate::infra::store::{StorageError, Store};
use crate::infra::totp::TotpSecret;
use crate::runtime::config::ConfigError;
use crate::runtime::staff::{ConsoleOrigins, expired_cookie, session_cookie};
use crate::runtime::startup::{Build, Startup};

/// The issuer authenticator apps show beside the account.
const TOTP_ISSUER: &str = "wx-serverless";

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// Wrong address, password or code: one answer for all three.
    #[error("sign-in refused")]
    Refused,
    /// Failed sign-ins hold the account this much longer.
    #[error("held after failed sign-ins")]
    Held(Duration),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The request did not come from the console's origin.
    #[error("not from the console")]
    Foreign,
    #[error("an operator with this address exists")]
    Exists,
    #[error("no such operator")]
    NotFound,
    /// The account changed while we worked on it.
    #[error("the account kept changing")]
    Contended,
    #[error("hashing the password: {0}")]
    Hashing(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// `POST /admin/session`'s input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
    pub totp: String,
}

/// What a sign-in answers; the session itself travels only in the HttpOnly cookie.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub id: String,
    pub email: Email,
    pub role: Role,
    pub csrf_token: String,
    pub must_change_password: bool,
    #[serde(skip)]
    pub cookie: String,
}

/// What signing out answers (the cookie that removes the session's).
#[derive(Debug, Serialize)]
pub struct SignedOut {
    #[serde(skip)]
    pub cookie: String,
}

/// A new account's first credentials, shown once to whoever created it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrolment {
    pub operator: OperatorView,
    pub password: String,
    pub totp_uri: String,
}

/// The operators' side of the back office. Built once per process.
#[derive(Clone)]
pub struct Accounts {
    store: Store,
    clock: Clock,
    origins: Option<ConsoleOrigins>,
}

impl Accounts {
    pub fn new(store: Store, clock: Clock, origins: Option<ConsoleOrigins>) -> Self {
        Self {
            store,
            clock,
            origins,
        }
    }

    /// Creates an operator with a random initial password (to change at first sign-in) and a new
    /// TOTP secret; answers both, once.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, email: &str, role: Role) -> Result<Enrolment, OperatorError> {
        let email = Email::parse(email).map_err(|reason| OperatorError::Invalid {
            field: "email",
            reason,
        })?;
        let password = passwords::initial();
        let totp = TotpSecret::generate();
        let now = self.clock.now();
        let operator = Operator {
            id: format!("op{}", random_id(12).replace(['-', '_'], "x")),
            email,
            role,
            password_hash: hash(&password).await?,
            totp_secret: totp.to_base32(),
            totp_step: None,
            failures: 0,
            next_attempt_at: None,
            must_change_password: true,
            credentials: 1,
            created_at: now,
            updated_at: now,
            last_sign_in_at: None,
        };
        if !self.store.create_operator(&operator).await? {
            return Err(OperatorError::Exists);
        }
        tracing::info!(operator = %operator.id, role = %role, "operator created");
        Ok(Enrolment {
            operator: operator.view(now),
            totp_uri: totp.uri(TOTP_ISSUER, operator.email.as_str()),
            password,
        })
    }

    /// New credentials for the operator at `email` (a lost phone or password): every session
    /// ends.
    pub async fn reset(&self, email: &str) -> Result<Enrolment, OperatorError> {
        let operator = self.find(email).await?;
        let password = passwords::initial();
        let totp = TotpSecret::generate();
        let now = self.clock.now();
        let hashed = hash(&password).await?;
        if !self
            .store
            .reset_operator(&operator, &hashed, &totp.to_base32(), now)
            .await?
        {
            return Err(OperatorError::Contended);
        }
        tracing::info!(operator = %operator.id, "operator reset");
        Ok(Enrolment {
            operator: Operator {
                must_change_password: true,
                next_attempt_at: None,
                ..operator.clone()
            }
            .view(now),
            totp_uri: totp.uri(TOTP_ISSUER, operator.email.as_str()),
            password,
        })
    }

    /// Lifts the hold of failed sign-ins on the operator at `email` (the owner's recovery).
    pub async fn unlock(&self, email: &str) -> Result<OperatorView, OperatorError> {
        let operator = self.find(email).await?;
        let now = self.clock.now();
        self.store.unlock_operator(&operator, now).await?;
        Ok(Operator {
            failures: 0,
            next_attempt_at: None,
            ..operator
        }
        .view(now))
    }

    async fn find(&self, email: &str) -> Result<Operator, OperatorError> {
        let email = Email::parse(email).map_err(|reason| OperatorError::Invalid {
            field: "email",
            reason,
        })?;
        self.store
            .operator_by_email(&email)
            .await?
            .ok_or(OperatorError::NotFound)
    }

    /// Signs an operator in from the console at `origin`: the password (Argon2id) and a TOTP code
    /// not used before. Every failure answers the same; each one slows the account down.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        input: SignInInput,
        origin: Option<&str>,
        ip: &str,
        request_id: &str,
    ) -> Result<SignedIn, OperatorError> {
        let origin = origin
            .filter(|origin| self.origins.as_ref().is_some_and(|o| o.contains(origin)))
            .ok_or(OperatorError::Foreign)?;
        let Ok(email) = Email::parse(&input.email) else {
            return Err(OperatorError::Refused);
        };
        let now = self.clock.now();
        let Some(operator) = self.store.operator_by_email(&email).await? else {
            let password = input.password;
            let _ = tokio::task::spawn_blocking(move || passwords::verify_nothing(&password)).await;
            return Err(OperatorError::Refused);
        };
        if let Some(until) = operator.next_attempt_at.filter(|until| *until > now) {
            return Err(OperatorError::Held(until.since(now)));
        }
        let password_ok = verify(&input.password, &operator.password_hash).await;
        let step = TotpSecret::from_base32(&operator.totp_secret).and_then(|secret| {
            secret.accept(
                input.totp.trim(),
                u64::try_from(now.epoch_secs()).unwrap_or(0),
                operator.totp_step,
            )
        });
        let (true, Some(step)) = (password_ok, step) else {
            let failures = operator.failures + 1;
            self.store
                .record_sign_in_failure(&operator, now.plus(wait_after(failures)))
                .await?;
            tracing::warn!(operator = %operator.id, failures, "failed sign-in");
            return Err(OperatorError::Refused);
        };
        let secret = random_id(32);
        let session = ConsoleSession {
            csrf_token: random_id(32),
            created_at: now,
            last_seen_at: now,
            credentials: operator.credentials,
        };
        if !self
            .store
            .open_console_session(&operator, step, &sha256_hex(secret.as_bytes()), &session)
            .await?
        {
            // The code was spent meanwhile (a replay racing the first use), or the credentials changed.
            return Err(OperatorError::Refused);
        }
        let record = AuditRecord {
            at: now,
            operator_id: operator.id.clone(),
            email: operator.email.to_string(),
            role: operator.role,
            action: "sign-in".into(),
            target: Some(operator.id.clone()),
            changes: serde_json::json!({}),
            ip: ip.to_owned(),
            request_id: request_id.to_owned(),
        };
        if let Err(err) = self.store.append_audit(&record).await {
            tracing::error!(error = %err, "the audit record of a sign-in was not written");
        }
        tracing::info!(operator = %operator.id, role = %operator.role, "signed in");
        Ok(SignedIn {
            cookie: session_cookie(origin, &operator.id, &secret),
            id: operator.id,
            email: operator.email,
            role: operator.role,
            csrf_token: session.csrf_token,
            must_change_password: operator.must_change_password,
        })
    }

    /// Ends the session `session_hash` of `operator`.
    pub async fn sign_out(
        &self,
        operator: &Operator,
        session_hash: &str,
        origin: Option<&str>,
    ) -> Result<SignedOut, OperatorError> {
        self.store.end_console_session(&operator.id, session_hash).await?;
        Ok(SignedOut {
            cookie: expired_cookie(origin.unwrap_or("https://")),
        })
    }

    /// Replaces `operator`'s password after checking the current one: every other session ends,
    /// this one (`session_hash`) goes on.
    pub async fn change_password(
        &self,
        operator: &Operator,
        session_hash: &str,
        current: &str,
        new: &str,
    ) -> Result<(), OperatorError> {
        if !verify(current, &operator.password_hash).await {
            return Err(OperatorError::Invalid {
                field: "current",
                reason: "is not your current password (当前密码不正确)".into(),
            });
        }
        check_password(new, &operator.email, Some(current))
            .map_err(|reason| OperatorError::Invalid { field: "new", reason })?;
        let hashed = hash(new).await?;
        if !self
            .store
            .change_password(operator, &hashed, session_hash, self.clock.now())
            .await?
        {
            return Err(OperatorError::Contended);
        }
        tracing::info!(operator = %operator.id, "password changed");
        Ok(())
    }

    /// New credentials for the operator `id` (an owner's reset).
    pub async fn reset_by_id(&self, id: &str) -> Result<Enrolment, OperatorError> {
        let operator = self.by_id(id).await?;
        self.reset(operator.email.as_str()).await
    }

    /// Gives the operator `id` the role `role`.
    pub async fn set_role(&self, id: &str, role: Role) -> Result<OperatorView, OperatorError> {
        let operator = self.by_id(id).await?;
        let now = self.clock.now();
        if !self.store.set_operator_role(&operator, role, now).await? {
            return Err(OperatorError::NotFound);
        }
        tracing::info!(operator = %operator.id, role = %role, "role changed");
        Ok(Operator { role, ..operator }.view(now))
    }

    /// Removes the operator `id`.
    pub async fn remove(&self, id: &str) -> Result<(), OperatorError> {
        let operator = self.by_id(id).await?;
        if !self.store.delete_operator(&operator).await? {
            return Err(OperatorError::NotFound);
        }
        tracing::info!(operator = %operator.id, "operator removed");
        Ok(())
    }

    async fn by_id(&self, id: &str) -> Result<Operator, OperatorError> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(OperatorError::NotFound);
        }
        self.store.operator(id).await?.ok_or(OperatorError::NotFound)
    }

    /// The latest audit records of `target`, newest first.
    pub async fn audit_of(&self, target: &str, limit: i32) -> Result<Vec<AuditRecord>, OperatorError> {
        Ok(self.store.audit_of_target(target, limit).await?)
    }

    /// The audit records of `day` (UTC; today when absent), oldest first, a page at a time.
    pub async fn audit_of_day(
        &self,
        day: Option<String>,
        after: Option<&crate::domain::paging::Position>,
        limit: i32,
    ) -> Result<(Vec<AuditRecord>, Option<String>), OperatorError> {
        let day = day.unwrap_or_else(|| self.clock.now().to_string()[..10].to_owned());
        Ok(self.store.audit_of_day(&day, after, limit).await?)
    }

    /// Every operator, as the console shows them.
    pub async fn list(&self) -> Result<Vec<OperatorView>, OperatorError> {
        let now: Timestamp = self.clock.now();
        Ok(self
            .store
            .list_operators()
            .await?
            .iter()
            .map(|operator| operator.view(now))
            .collect())
    }
}

/// Argon2id off the async threads (19 MiB and tens of milliseconds of CPU).
async fn hash(password: &str) -> Result<String, OperatorError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || passwords::hash(&password))
        .await
        .map_err(|e| OperatorError::Hashing(e.to_string()))?
        .map_err(OperatorError::Hashing)
}

async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || passwords::verify(&password, &phc))
        .await
        .unwrap_or(false)
}

impl Build for Accounts {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Accounts::new(
            startup.store(),
            startup.clock(),
            Some(ConsoleOrigins::from_env(&startup.env)?),
        ))
    }
}
