//! The shop's operators (the back office): their roles and what each may do, their e-mail
//! addresses and passwords as accepted, how failed sign-ins slow an account down, and how long a
//! console session lives. No I/O.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::closed_set;
use super::time::Timestamp;

closed_set! {
    /// What an operator is to the shop.
    pub enum Role {
        /// Everything: operators and settings too.
        Owner = "owner",
        /// Catalog, orders, shipping, after-sales, refunds, exports.
        Manager = "manager",
        /// Orders, shipping, returns received.
        Fulfilment = "fulfilment",
        /// Orders and after-sales, read; notes. No money, no prices.
        Support = "support",
        /// Orders read, refunds, reconciliation, exports.
        Finance = "finance",
    }
}

/// The roles that may call an operation, as a type: each operation's caller is
/// `Staff<Group>`, and the contract's `x-roles` lists the same roles (the drift check compares).
pub trait Roles: Send + Sync + 'static {
    const ALLOWED: &'static [Role];
    /// Whether an operator who must still change their initial password may call it (only
    /// their own account: `me`, the password change and sign-out).
    const BEFORE_PASSWORD_CHANGE: bool = false;
}

/// Declares the role groups: one line per group, read like a permission table.
macro_rules! role_groups {
    ($( $(#[$meta:meta])* $name:ident = [$($role:ident),+] $(, $before:ident)?; )+) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl Roles for $name {
                const ALLOWED: &'static [Role] = &[$(Role::$role),+];
                $(const BEFORE_PASSWORD_CHANGE: bool = role_groups!(@$before);)?
            }
        )+
    };
    (@before_password_change) => { true };
}

role_groups! {
    /// One's own account: who am I, change my password, sign out.
    Myself = [Owner, Manager, Fulfilment, Support, Finance], before_password_change;
    /// Reading orders and after-sales requests.
    AnyOperator = [Owner, Manager, Fulfilment, Support, Finance];
    /// Operators' accounts and settings.
    OwnerOnly = [Owner];
    /// Products, prices and stock.
    Catalog = [Owner, Manager];
    /// Shipping orders.
    Dispatch = [Owner, Manager, Fulfilment];
    /// Approving and rejecting after-sales requests.
    AfterSalesDecisions = [Owner, Manager];
    /// Marking returned goods received.
    Returns = [Owner, Manager, Fulfilment];
    /// Money back: an operator's own refunds.
    Refunds = [Owner, Manager, Finance];
    /// Exports and the audit log.
    Records = [Owner, Manager, Finance];
}

/// The longest e-mail address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Passwords: long enough to resist guessing with the second factor, short enough to hash.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// An operator's e-mail address, lowercased: their sign-in name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// An address of one `@` between a non-empty local part and a dotted domain, at most
    /// [`EMAIL_MAX`] characters, without spaces or control characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().to_lowercase();
        let shaped = text.len() <= EMAIL_MAX
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(text.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if shaped {
            Ok(Self(text))
        } else {
            Err(format!(
                "must be an e-mail address of at most {EMAIL_MAX} characters"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `new` may be an operator's password: [`PASSWORD_MIN_CHARS`] to
/// [`PASSWORD_MAX_CHARS`] characters, not their e-mail address, not the one it replaces.
pub fn check_password(new: &str, email: &Email, current: Option<&str>) -> Result<(), String> {
    let chars = new.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        return Err(format!(
            "must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters (密码长度须为 {PASSWORD_MIN_CHARS} 到 {PASSWORD_MAX_CHARS} 个字符)"
        ));
    }
    if new.trim().to_lowercase() == email.as_str() || new.to_lowercase().contains(email.as_str()) {
        return Err("must not contain the e-mail address (密码不能包含邮箱)".into());
    }
    if current == Some(new) {
        return Err("must differ from the current password (新密码不能与当前密码相同)".into());
    }
    Ok(())
}

/// Failed sign-ins an account takes before each attempt waits.
pub const FREE_FAILURES: u32 = 3;
/// Failed sign-ins after which the account is locked for [`LOCK`].
pub const LOCK_AFTER: u32 = 10;
/// How long a locked account waits: temporary, so nobody can lock an owner out for good (and
/// `admin unlock-operator` lifts it at once).
pub const LOCK: Duration = Duration::from_secs(15 * 60);

/// How long an account that has failed `failures` times in a row must wait before its next
/// attempt: nothing for the first [`FREE_FAILURES`], then 1, 2, 4, ... 64 s, then [`LOCK`].
pub fn wait_after(failures: u32) -> Duration {
    match failures {
        0..FREE_FAILURES => Duration::ZERO,
        LOCK_AFTER.. => LOCK,
        n => Duration::from_secs(1 << (n - FREE_FAILURES)),
    }
}

/// A console session ends after this long without a request...
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// ...and this long after sign-in, whatever happens.
pub const SESSION_ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);
/// How stale a session's last-seen time may get before a request writes it again (fewer writes;
/// the idle limit is then at most this much early).
pub const SESSION_TOUCH: Duration = Duration::from_secs(60);

/// A signed-in console session, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The synchronizer token every state-changing request must carry (`X-CSRF-Token`).
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The operator's credentials version it was opened under: a password change or reset
    /// ends every other session.
    pub credentials: u32,
}

impl ConsoleSession {
    /// Whether the session still stands at `now` for an operator at credentials version
    /// `credentials`.
    pub fn is_live(&self, now: Timestamp, credentials: u32) -> bool {
        self.credentials == credentials
            && now < self.last_seen_at.plus(SESSION_IDLE)
            && now < self.created_at.plus(SESSION_ABSOLUTE)
    }

    /// Whether a request at `now` should write the last-seen time again.
    pub fn needs_touch(&self, now: Timestamp) -> bool {
        now >= self.last_seen_at.plus(SESSION_TOUCH)
    }

    /// When the table may forget it: its absolute end.
    pub fn expires_at(&self) -> Timestamp {
        self.created_at.plus(SESSION_ABSOLUTE)
    }
}

/// An operator as stored, secrets included (never serialized: see [`OperatorView`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: String,
    pub email: Email,
    pub role: Role,
    /// The Argon2id PHC string of the password.
    pub password_hash: String,
    /// The TOTP secret, base32.
    pub totp_secret: String,
    /// The last TOTP step accepted: a code works once.
    pub totp_step: Option<u64>,
    /// Failed sign-ins in a row.
    pub failures: u32,
    /// No sign-in is tried before this (failures).
    pub next_attempt_at: Option<Timestamp>,
    pub must_change_password: bool,
    /// Bumped by a password change or reset: sessions of an older version end.
    pub credentials: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_sign_in_at: Option<Timestamp>,
}

impl Operator {
    /// What the console may see of the operator at `now`.
    pub fn view(&self, now: Timestamp) -> OperatorView {
        OperatorView {
            id: self.id.clone(),
            email: self.email.clone(),
            role: self.role,
            must_change_password: self.must_change_password,
            locked_until: self.next_attempt_at.filter(|at| *at > now),
            created_at: self.created_at,
            last_sign_in_at: self.last_sign_in_at,
        }
    }
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// An operator as the console shows them (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    pub id: String,
    pub email: Email,
    pub role: Role,
    pub must_change_password: bool,
    /// Until when failed sign-ins hold the account, if they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<Timestamp>,
}

/// One operator write, as the audit log keeps it: who, in which role, did what to what, with
/// which input (secrets removed), from where, when.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub at: Timestamp,
    pub operator_id: String,
    pub email: String,
    pub role: Role,
    /// The operation (`approve-after-sales`, `sign-in`).
    pub action: String,
    /// What it was done to: an order id, an operator id, a product id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub changes: serde_json::Value,
    pub ip: String,
    pub request_id: String,
}

/// Input fields never written to the audit log.
const SECRET_FIELDS: &[&str] = &["password", "current", "new", "totp", "newPassword"];
/// The most of an input the audit log keeps.
pub const AUDIT_CHANGES_MAX: usize = 4096;

/// What an operation's input changed, for the audit log: secrets masked, at most
/// [`AUDIT_CHANGES_MAX`] bytes (a longer input keeps its size only).
pub fn audit_changes(input: &serde_json::Value) -> serde_json::Value {
    let mut input = input.clone();
    if let Some(fields) = input.as_object_mut() {
        for (name, value) in fields.iter_mut() {
            if SECRET_FIELDS.contains(&name.as_str()) {
                *value = serde_json::Value::String("***".into());
            }
        }
    }
    let size = input.to_string().len();
    if size > AUDIT_CHANGES_MAX {
        serde_json::json!({ "truncated": true, "bytes": size })
    } else {
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            Email::parse(" Ops@Shop.Example ").unwrap().as_str(),
            "ops@shop.example"
        );
        for bad in [
            "",
            "ops",
            "@shop.example",
            "ops@shop",
            "ops@.shop",
            "a b@shop.example",
            "a@b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@shop.example", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords_are_long_enough_and_not_the_address_or_the_old_one() {
        let email = Email::parse("ops@shop.example").unwrap();
        assert!(check_password("correct horse battery", &email, None).is_ok());
        assert!(check_password("short", &email, None).is_err());
        assert!(check_password(&"x".repeat(129), &email, None).is_err());
        assert!(check_password("my ops@shop.example pw", &email, None).is_err());
        assert!(check_password("correct horse battery", &email, Some("correct horse battery")).is_err());
    }

    #[test]
    fn failed_sign_ins_wait_longer_and_longer_then_lock_for_a_while_only() {
        assert_eq!(wait_after(0), Duration::ZERO);
        assert_eq!(wait_after(FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(wait_after(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(wait_after(FREE_FAILURES + 2), Duration::from_secs(4));
        assert_eq!(wait_after(LOCK_AFTER - 1), Duration::from_secs(64));
        assert_eq!(wait_after(LOCK_AFTER), LOCK);
        assert_eq!(wait_after(u32::MAX), LOCK, "never longer than the lock");
    }

    #[test]
    fn a_session_ends_when_idle_at_its_absolute_end_or_when_the_credentials_change() {
        let start = Timestamp::parse("2026-12-04T08:00:00Z").unwrap();
        let session = ConsoleSession {
            csrf_token: "t".into(),
            created_at: start,
            last_seen_at: start,
            credentials: 1,
        };
        assert!(session.is_live(start.plus(Duration::from_secs(29 * 60)), 1));
        assert!(!session.is_live(start.plus(SESSION_IDLE), 1), "idle");
        assert!(!session.is_live(start, 2), "password changed");
        let busy = ConsoleSession {
            last_seen_at: start.plus(SESSION_ABSOLUTE - Duration::from_secs(60)),
            ..session.clone()
        };
        assert!(!busy.is_live(start.plus(SESSION_ABSOLUTE), 1), "absolute end");
        assert!(!session.needs_touch(start.plus(Duration::from_secs(59))));
        assert!(session.needs_touch(start.plus(SESSION_TOUCH)));
    }

    #[test]
    fn the_audit_log_never_keeps_a_password_or_a_code() {
        let changes = audit_changes(
            &serde_json::json!({"current": "old secret", "new": "new secret", "totp": "123456", "role": "support"}),
        );
        assert_eq!(
            changes,
            serde_json::json!({"current": "***", "new": "***", "totp": "***", "role": "support"})
        );
        let big = audit_changes(&serde_json::json!({"csv": "x".repeat(AUDIT_CHANGES_MAX)}));
        assert_eq!(big["truncated"], true);
    }

    #[test]
    fn every_group_names_the_owner_and_only_myself_works_before_the_password_change() {
        fn check<R: Roles>() -> (bool, bool) {
            (R::ALLOWED.contains(&Role::Owner), R::BEFORE_PASSWORD_CHANGE)
        }
        assert_eq!(check::<Myself>(), (true, true));
        assert_eq!(check::<Refunds>(), (true, false));
        assert!(
            !Refunds::ALLOWED.contains(&Role::Support),
            "support handles no money"
        );
        assert!(!Catalog::ALLOWED.contains(&Role::Fulfilment));
    }
}
