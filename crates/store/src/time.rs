//! Timestamps: milliseconds since the Unix epoch in the database (sortable,
//! zone-free) and ISO 8601 in UTC where a tool reads them; a calendar day
//! (a backup's name, a date filter) is the user's local day.

use std::fmt;

use clinical::date::{local_zone, Date, TimeZone};
use serde::{Serialize, Serializer};

/// An instant as stored: UTC milliseconds since the epoch, shown as ISO
/// `…Z`; only the days a person reads are local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Now (the epoch on a clock set before 1970).
    pub fn now() -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }

    /// As stored.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// The local calendar day, `YYYY-MM-DD`: the name of the day's backup.
    pub fn day(self) -> String {
        self.day_in(&local_zone())
    }

    /// The calendar day in `zone` (tests pass a fixed Chilean rule).
    pub fn day_in(self, zone: &TimeZone) -> String {
        Date::of_instant(self.0, zone).to_string()
    }

    /// The first millisecond of a local calendar day, for date filters:
    /// "--since 2026-12-01" in Chile means from midnight in Chile.
    pub fn start_of_day(date: Date) -> Timestamp {
        Timestamp::start_of_day_in(date, &local_zone())
    }

    /// The first millisecond of `date` in `zone`.
    pub fn start_of_day_in(date: Date, zone: &TimeZone) -> Timestamp {
        Timestamp(date.start_in(zone))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.rem_euclid(86_400_000);
        let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
        let (m, rest) = (rest / 60_000, rest % 60_000);
        let s = rest / 1000;
        write!(f, "{}T{h:02}:{m:02}:{s:02}Z", self.day_in(&TimeZone::UTC))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        // 2026-11-23T14:05:07.250Z
        let t = Timestamp(1_795_442_707_250);
        assert_eq!(t.to_string(), "2026-11-23T14:05:07Z");
        assert_eq!(t.day_in(&TimeZone::UTC), "2026-11-23");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn day_starts_round_trip() {
        let chile = TimeZone::posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24").unwrap();
        for zone in [TimeZone::UTC, chile] {
            for text in ["2024-02-29", "2026-01-01", "2026-12-31", "2000-03-01"] {
                let t = Timestamp::start_of_day_in(Date::parse(text).unwrap(), &zone);
                assert_eq!(t.day_in(&zone), text);
                assert_ne!(Timestamp(t.0 - 1).day_in(&zone), text);
            }
        }
    }
}
