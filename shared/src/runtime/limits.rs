//! Limits per caller: let a request through, or refuse it with how long to wait; repeated
//! refusals earn a temporary ban. The state is in the table (the functions are stateless).

use std::time::Duration;

use crate::domain::limits::{RateRules, Scope};
use crate::domain::time::{Clock, Timestamp};
use crate::infra::store::{Admission, Counted, Refused, StorageError, Store};
use crate::runtime::config;
use crate::runtime::config::ConfigError;
use crate::runtime::startup::{Build, Startup};

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("too many {scope} requests; retry in {} s", .retry_after.as_secs())]
    Limited { scope: Scope, retry_after: Duration },
    #[error("temporarily banned from {scope} after repeated refusals; retry in {} s", .retry_after.as_secs())]
    Banned { scope: Scope, retry_after: Duration },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Counts requests per caller. Built once per process.
#[derive(Clone)]
pub struct Limiter {
    store: Store,
    rules: std::sync::Arc<RateRules>,
    clock: Clock,
}

fn until(now: Timestamp, then: Timestamp) -> Duration {
    Duration::from_secs((then.epoch_secs() - now.epoch_secs()).max(1) as u64)
}

impl Limiter {
    pub fn new(store: Store, rules: RateRules, clock: Clock) -> Self {
        Self {
            store,
            rules: std::sync::Arc::new(rules),
            clock,
        }
    }

    /// Lets one request of `subject` in `scope` through, or refuses it: one conditional UpdateItem
    /// on the happy path (two for a window's first request); a refusal also reads the item and
    /// records a violation (one or two writes), and the one that makes too many bans the subject
    /// (one more).
    #[tracing::instrument(skip_all, fields(scope = %scope))]
    pub async fn admit(&self, scope: Scope, subject: &str) -> Result<(), LimitError> {
        let now = self.clock.now();
        let counted = self.counted(scope, subject, now);
        let admission = self.store.admit(counted, now).await?;
        self.judge(scope, subject, counted.window_end, admission).await
    }

    /// Whether `subject` may make one more request in `scope`, without counting it: one
    /// consistent GetItem. For what is counted only when it fails ([`Limiter::count`]): a refusal
    /// here is a refusal like [`Limiter::admit`]'s, and repeated ones ban.
    #[tracing::instrument(skip_all, fields(scope = %scope))]
    pub async fn check(&self, scope: Scope, subject: &str) -> Result<(), LimitError> {
        let now = self.clock.now();
        let counted = self.counted(scope, subject, now);
        let admission = self.store.rate_state(counted, now).await?;
        self.judge(scope, subject, counted.window_end, admission).await
    }

    /// Counts one request of `subject` in `scope` that already happened (a failure): one
    /// UpdateItem, never refused.
    #[tracing::instrument(skip_all, fields(scope = %scope))]
    pub async fn count(&self, scope: Scope, subject: &str) -> Result<(), LimitError> {
        let now = self.clock.now();
        let counted = self.counted(scope, subject, now);
        self.store.count_request(counted).await?;
        Ok(())
    }

    fn counted<'a>(&self, scope: Scope, subject: &'a str, now: Timestamp) -> Counted<'a> {
        let rate = self.rules.rate(scope);
        let (window, window_end) = rate.window_of(now);
        Counted {
            scope: scope.as_str(),
            subject,
            window,
            limit: rate.limit,
            window_end,
        }
    }

    /// Turns the store's answer into a pass or a refusal; a refusal in a scope that bans counts
    /// toward the ban.
    async fn judge(
        &self,
        scope: Scope,
        subject: &str,
        window_end: Timestamp,
        admission: Admission,
    ) -> Result<(), LimitError> {
        let now = self.clock.now();
        let ban = self.rules.ban;
        match admission {
            Admission::Admitted => Ok(()),
            Admission::Banned { until: banned_until } => {
                let banned_until = if banned_until > now {
                    banned_until
                } else {
                    now.plus(ban.ban)
                };
                Err(LimitError::Banned {
                    scope,
                    retry_after: until(now, banned_until),
                })
            }
            Admission::Limited if !scope.bans() => Err(LimitError::Limited {
                scope,
                retry_after: until(now, window_end),
            }),
            Admission::Limited => {
                let ban_rate = crate::domain::limits::Rate {
                    limit: ban.violations,
                    window: ban.window,
                };
                let (ban_window, ban_window_end) = ban_rate.window_of(now);
                let banned = self
                    .store
                    .record_violation(Refused {
                        scope: scope.as_str(),
                        subject,
                        window: ban_window,
                        window_end: ban_window_end,
                        violations: ban.violations,
                        ban_until: now.plus(ban.ban),
                    })
                    .await?;
                if banned {
                    tracing::warn!(security_event = "caller_banned", %scope, subject, "repeated refusals: banned");
                    Err(LimitError::Banned {
                        scope,
                        retry_after: ban.ban,
                    })
                } else {
                    Err(LimitError::Limited {
                        scope,
                        retry_after: until(now, window_end),
                    })
                }
            }
        }
    }
}

impl Build for Limiter {
    async fn build(startup: &Startup) -> Result<Self, ConfigError> {
        Ok(Limiter::new(
            startup.store(),
            config::rate_rules(&startup.env)?,
            startup.clock(),
        ))
    }
}
