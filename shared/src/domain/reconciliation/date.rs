//! The Beijing calendar day a bill covers.

use std::time::Duration;

use crate::domain::checked_string;
use crate::domain::time::Timestamp;

checked_string! {
    /// A day, `YYYY-MM-DD`, that exists in the calendar.
    pub struct BillDate;
    check = |text| text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
    expecting = "must be a date, YYYY-MM-DD",
}

impl BillDate {
    /// The Beijing day before the one `now` falls on: the last day whose bills exist.
    pub fn yesterday(now: Timestamp) -> Self {
        Self(now.minus(Duration::from_secs(24 * 60 * 60)).china_day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yesterday_is_the_beijing_day_before() {
        // 01:30 on the 5th in Beijing is still the 4th in UTC.
        let now = Timestamp::parse("2026-12-04T17:30:00Z").unwrap();
        assert_eq!(BillDate::yesterday(now).as_str(), "2026-12-04");
        let morning = Timestamp::parse("2026-12-05T02:30:00Z").unwrap();
        assert_eq!(BillDate::yesterday(morning).as_str(), "2026-12-04");
    }

    #[test]
    fn only_real_days_are_dates() {
        assert!(BillDate::parse("2026-02-28").is_some());
        for text in [
            "2026-02-30",
            "2026-2-28",
            "20260228",
            "2026-02-28T00:00:00",
            "../../x",
        ] {
            assert!(BillDate::parse(text).is_none(), "{text}");
        }
    }
}
