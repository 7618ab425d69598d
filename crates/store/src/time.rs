//! Timestamps: milliseconds since the Unix epoch in the database (sortable,
//! zone-free), ISO 8601 in UTC wherever a person or a tool reads them.

use std::fmt;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// The calendar day in UTC, `YYYY-MM-DD`: the name of the day's backup.
    pub fn day(self) -> String {
        let (y, m, d) = civil_from_days(self.0.div_euclid(86_400_000));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// The first millisecond of a UTC calendar day, for date filters.
    pub fn start_of_day(year: i32, month: u32, day: u32) -> Timestamp {
        Timestamp(days_from_civil(year, month, day) * 86_400_000)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.rem_euclid(86_400_000);
        let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
        let (m, rest) = (rest / 60_000, rest % 60_000);
        let s = rest / 1000;
        write!(f, "{}T{h:02}:{m:02}:{s:02}Z", self.day())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

// Howard Hinnant's civil-calendar algorithms (public domain).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
        assert_eq!(t.day(), "2026-11-23");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn day_starts_round_trip() {
        for (y, m, d) in [(2024, 2, 29), (2026, 1, 1), (2026, 12, 31), (2000, 3, 1)] {
            let t = Timestamp::start_of_day(y, m, d);
            assert_eq!(t.day(), format!("{y:04}-{m:02}-{d:02}"));
        }
    }
}
