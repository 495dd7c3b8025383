//! Time: always UTC, shown as RFC 3339 with milliseconds (`2026-11-24T05:13:21.123Z`);
//! epoch seconds only where DynamoDB TTL or JWT require them.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Self(Utc::now())
    }

    pub fn from_epoch_secs(secs: i64) -> Option<Self> {
        DateTime::from_timestamp(secs, 0).map(Self)
    }

    pub fn from_epoch_millis(millis: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(millis).map(Self)
    }

    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Self(t.with_timezone(&Utc)))
    }

    pub fn epoch_secs(&self) -> i64 {
        self.0.timestamp()
    }

    pub fn epoch_millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    /// This instant plus `duration` (saturating at the far future).
    pub fn plus(&self, duration: Duration) -> Self {
        let delta = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        Self(
            self.0
                .checked_add_signed(delta)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }

    /// The day this instant falls on in China time (UTC+8), `YYYY-MM-DD`: the shop's day.
    pub fn china_day(&self) -> String {
        self.0.with_timezone(&china()).format("%Y-%m-%d").to_string()
    }

    /// How long after `earlier` this instant is (zero when it is not after it).
    pub fn since(&self, earlier: Timestamp) -> Duration {
        (self.0 - earlier.0).to_std().unwrap_or(Duration::ZERO)
    }

    /// This instant minus `duration` (saturating at the far past).
    pub fn minus(&self, duration: Duration) -> Self {
        let delta = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        Self(
            self.0
                .checked_sub_signed(delta)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        )
    }

    /// `yyyy` and `mm`, for date-partitioned keys.
    pub fn year_month(&self) -> (i32, u32) {
        use chrono::Datelike;
        (self.0.year(), self.0.month())
    }

    pub fn inner(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Where "now" comes from: the system clock, or (in tests) an instant that stands still; either
/// moved forward by what tests asked, so expiries, windows and bans are tested without sleeping
/// and without depending on where the wall clock falls. Cloned clocks share their offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the system clock; `Some`: a clock that stands still at this instant.
    frozen_at: Option<Timestamp>,
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stands at `at` and moves only when [`Self::advance`]d: a test that counts
    /// per window (limits, signing windows) then sees the same window however slowly it runs.
    pub fn frozen_at(at: Timestamp) -> Self {
        Self {
            frozen_at: Some(at),
            offset_ms: Arc::default(),
        }
    }

    pub fn now(&self) -> Timestamp {
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        let base = self.frozen_at.map_or_else(Utc::now, |at| at.0);
        Timestamp(base + offset)
    }

    /// Moves this clock (and its clones) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(millis, Ordering::SeqCst);
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 timestamp"))
    }
}

/// China time (UTC+8, no daylight saving), the shop's clock for days and messages.
pub fn china() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shops_day_is_chinas() {
        let late = Timestamp::parse("2026-12-04T16:30:00Z").unwrap();
        assert_eq!(late.china_day(), "2026-12-05");
        assert_eq!(
            Timestamp::parse("2026-12-04T15:59:59Z").unwrap().china_day(),
            "2026-12-04"
        );
    }

    #[test]
    fn timestamps_print_in_utc_with_milliseconds() {
        let t = Timestamp::from_epoch_secs(1_700_000_000).unwrap();
        assert_eq!(t.to_string(), "2023-11-14T22:13:20.000Z");
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
    }

    #[test]
    fn an_advanced_clock_moves_its_clones_too() {
        let clock = Clock::system();
        let clone = clock.clone();
        clock.advance(Duration::from_secs(3600));
        let ahead = clone.now().epoch_secs() - Timestamp::now().epoch_secs();
        assert!((3599..=3601).contains(&ahead), "{ahead}");
    }

    #[test]
    fn a_frozen_clock_stands_still_until_advanced() {
        let at = Timestamp::from_epoch_secs(1_800_000_059).unwrap();
        let clock = Clock::frozen_at(at);
        let first = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), first);
        clock.clone().advance(Duration::from_secs(1));
        assert_eq!(clock.now().epoch_secs(), 1_800_000_060);
    }

    #[test]
    fn plus_adds_the_duration() {
        let t = Timestamp::from_epoch_secs(100).unwrap();
        assert_eq!(t.plus(Duration::from_secs(30)).epoch_secs(), 130);
    }
}
