//! Limits per caller: how many requests of a kind one caller (an IP address, a user, a session)
//! may make per window, and how repeated refusals turn into a temporary ban.

use std::time::Duration;

use super::closed_set;
use super::time::Timestamp;

closed_set! {
    /// What is counted.
    pub enum Scope {
        /// Logins, per source IP: a ceiling high enough for a large NAT (a campus, an office, a
        /// carrier), never a ban.
        Login = "login",
        /// Logins WeChat refused (a bad or spent code), per source IP.
        LoginFailure = "login-failure",
        /// Logins, per user (counted once WeChat has named the user).
        LoginUser = "login-user",
        /// Refreshes, per source IP: a ceiling like `login`'s, never a ban.
        Refresh = "refresh",
        /// Refreshes refused for a token of no session or a wrong secret, per source IP.
        RefreshFailure = "refresh-failure",
        /// Refreshes, per session (counted once the token is proven the session's).
        RefreshSession = "refresh-session",
        /// Orders, per user.
        Order = "order",
        /// Upload tokens, per user.
        Upload = "upload",
        /// Profile changes, per user.
        Profile = "profile",
        /// Share codes, per user.
        Code = "code",
        /// Operators' sign-ins, per source IP (each account also slows down on its failures).
        SignIn = "sign-in",
    }
}

impl Scope {
    /// Whether repeated refusals in this scope ban the caller. The per-address ceilings do not:
    /// a busy address is made to wait, never banned, as thousands of real users may share it.
    pub fn bans(self) -> bool {
        !matches!(self, Self::Login | Self::Refresh)
    }
}

/// `limit` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub limit: u32,
    pub window: Duration,
}

impl Rate {
    /// `"LIMIT/SECONDS"`, e.g. `"20/60"`.
    pub fn parse(text: &str) -> Option<Self> {
        let (limit, secs) = text.trim().split_once('/')?;
        let limit: u32 = limit.trim().parse().ok()?;
        let secs: u64 = secs.trim().parse().ok()?;
        ((1..=1_000_000).contains(&limit) && (1..=86_400).contains(&secs)).then(|| Self {
            limit,
            window: Duration::from_secs(secs),
        })
    }

    /// The window holding `now`: its number (since the epoch) and when it ends.
    pub fn window_of(&self, now: Timestamp) -> (u64, Timestamp) {
        let secs = self.window.as_secs().max(1);
        let index = now.epoch_secs().max(0) as u64 / secs;
        let end = Timestamp::from_epoch_secs(((index + 1) * secs) as i64).unwrap_or(now);
        (index, end)
    }
}

/// When refusals turn into a ban: `violations` refused requests within `window` ban the caller
/// from that scope for `ban`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BanRule {
    pub violations: u32,
    pub window: Duration,
    pub ban: Duration,
}

impl BanRule {
    /// `"VIOLATIONS/WINDOW_SECONDS/BAN_SECONDS"`, e.g. `"5/600/900"`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('/').map(|p| p.trim().parse::<u64>().ok());
        let (Some(Some(violations)), Some(Some(window)), Some(Some(ban)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let valid = (1..=10_000).contains(&violations)
            && (1..=86_400).contains(&window)
            && (1..=7 * 86_400).contains(&ban);
        valid.then(|| Self {
            violations: violations as u32,
            window: Duration::from_secs(window),
            ban: Duration::from_secs(ban),
        })
    }
}

/// Logins (and refreshes) per minute from one source address by default: 20 a second, what a
/// campus or a carrier-grade NAT of many thousands of users produces at a busy hour.
pub const NAT_CEILING: u32 = 1200;

/// Every scope's rate, and the ban rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRules {
    rates: Vec<(Scope, Rate)>,
    pub ban: BanRule,
}

impl Default for RateRules {
    fn default() -> Self {
        let rate = |limit, secs| Rate {
            limit,
            window: Duration::from_secs(secs),
        };
        Self {
            rates: vec![
                (Scope::Login, rate(NAT_CEILING, 60)),
                (Scope::LoginFailure, rate(30, 60)),
                (Scope::LoginUser, rate(10, 60)),
                (Scope::Refresh, rate(NAT_CEILING, 60)),
                (Scope::RefreshFailure, rate(30, 60)),
                (Scope::RefreshSession, rate(6, 60)),
                (Scope::Order, rate(10, 60)),
                (Scope::Upload, rate(60, 3600)),
                (Scope::Profile, rate(10, 60)),
                (Scope::Code, rate(30, 60)),
                (Scope::SignIn, rate(10, 60)),
            ],
            ban: BanRule {
                violations: 10,
                window: Duration::from_secs(600),
                ban: Duration::from_secs(900),
            },
        }
    }
}

impl RateRules {
    /// The defaults with `overrides` (`scope=LIMIT/SECONDS`, comma-separated) applied.
    pub fn with_overrides(mut self, overrides: &str) -> Result<Self, String> {
        for entry in overrides.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (scope, rate) = entry
                .split_once('=')
                .ok_or_else(|| format!("{entry:?} is not scope=LIMIT/SECONDS"))?;
            let scope = Scope::parse(scope.trim()).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown scope {scope:?} (one of {})", known.join(", "))
            })?;
            let rate = Rate::parse(rate).ok_or_else(|| format!("{rate:?} is not LIMIT/SECONDS"))?;
            if let Some(slot) = self.rates.iter_mut().find(|(s, _)| *s == scope) {
                slot.1 = rate;
            }
        }
        Ok(self)
    }

    pub fn rate(&self, scope: Scope) -> Rate {
        self.rates
            .iter()
            .find(|(s, _)| *s == scope)
            .map(|(_, rate)| *rate)
            .unwrap_or(Rate {
                limit: 1,
                window: Duration::from_secs(1),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_ban_rules_parse_within_bounds() {
        assert_eq!(
            Rate::parse("20/60"),
            Some(Rate {
                limit: 20,
                window: Duration::from_secs(60)
            })
        );
        for bad in ["", "20", "0/60", "20/0", "x/60", "20/100000"] {
            assert!(Rate::parse(bad).is_none(), "{bad}");
        }
        assert!(BanRule::parse("5/600/900").is_some());
        assert!(BanRule::parse("5/600").is_none());
        assert!(BanRule::parse("5/600/900/1").is_none());
    }

    #[test]
    fn overrides_replace_one_scope_and_unknown_scopes_are_refused() {
        let rules = RateRules::default().with_overrides("order=3/10").unwrap();
        assert_eq!(rules.rate(Scope::Order).limit, 3);
        assert_eq!(rules.rate(Scope::Login).limit, NAT_CEILING);
        assert!(RateRules::default().with_overrides("orders=3/10").is_err());
        assert!(RateRules::default().with_overrides("order=3").is_err());
    }

    #[test]
    fn the_per_address_ceilings_never_ban_and_failures_do() {
        assert!(!Scope::Login.bans() && !Scope::Refresh.bans());
        assert!(Scope::LoginFailure.bans() && Scope::RefreshFailure.bans() && Scope::Order.bans());
        let rules = RateRules::default();
        assert!(rules.rate(Scope::Login).limit >= 300, "a NAT's lunch hour passes");
        assert!(
            rules.rate(Scope::LoginFailure).limit < 100,
            "a run of bad codes does not"
        );
    }

    #[test]
    fn windows_are_aligned_and_end_where_the_next_begins() {
        let rate = Rate::parse("5/60").unwrap();
        let (index, end) = rate.window_of(Timestamp::from_epoch_secs(125).unwrap());
        assert_eq!((index, end.epoch_secs()), (2, 180));
    }
}
