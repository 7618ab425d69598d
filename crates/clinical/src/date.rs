//! Calendar dates as episodes carry them (`YYYY-MM-DD`, or an ISO date-time
//! whose date part is all we keep), without a date library: the stay's
//! arithmetic needs only the proleptic Gregorian day count.
//!
//! Instants are stored in UTC; a date a person reads (an export's "Generado
//! el", a filter's day) is the day in the local zone, from `jiff` and the
//! system's time-zone database: in Chile after 21:00 UTC is already
//! tomorrow.

use std::fmt;

pub use jiff::tz::TimeZone;

/// A valid calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
}

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

impl Date {
    /// Accepts `YYYY-MM-DD`, optionally followed by `T` or a space and a time
    /// (hospital extracts carry both). Returns `None` for anything else,
    /// including impossible dates such as 2026-02-30.
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let (date, rest) = if text.len() > 10 {
            text.split_at(10)
        } else {
            (text, "")
        };
        if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
            return None;
        }
        let bytes = date.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year: i32 = date[0..4].parse().ok()?;
        let month: u32 = date[5..7].parse().ok()?;
        let day: u32 = date[8..10].parse().ok()?;
        Date::new(year, month, day)
    }

    /// The date, or `None` when it does not exist (31 April, 29 February of a
    /// common year).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before), after Howard Hinnant's
    /// `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of `days_since_epoch` (Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date::of_instant(now_millis(), &TimeZone::UTC)
    }

    /// Today where the user is: the date every exported document carries.
    pub fn today_local() -> Date {
        Date::of_instant(now_millis(), &local_zone())
    }

    /// The calendar day of an instant (milliseconds since the Unix epoch)
    /// in `zone`.
    pub fn of_instant(unix_millis: i64, zone: &TimeZone) -> Date {
        let offset = zone.to_offset(instant(unix_millis)).seconds();
        let local_secs = unix_millis.div_euclid(1000) + i64::from(offset);
        Date::from_days_since_epoch(local_secs.div_euclid(86_400))
    }

    /// The first millisecond of this day in `zone` (a day that starts in
    /// a DST gap starts at the gap's end, as jiff resolves it).
    pub fn start_in(self, zone: &TimeZone) -> i64 {
        let civil = i16::try_from(self.year)
            .ok()
            .and_then(|y| jiff::civil::Date::new(y, self.month as i8, self.day as i8).ok());
        let zoned = civil.and_then(|d| d.to_zoned(zone.clone()).ok());
        match zoned {
            Some(z) => z.timestamp().as_millisecond(),
            // Outside jiff's range (years beyond ±9999): the UTC day.
            None => self.days_since_epoch() * 86_400_000,
        }
    }
}

/// The user's time zone: `TZ`, else the system's setting, else UTC.
pub fn local_zone() -> TimeZone {
    TimeZone::system()
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn instant(unix_millis: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(unix_millis).unwrap_or(if unix_millis < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    })
}

impl Date {
    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// Completed years of age on `on`.
    pub fn years_until(self, on: Date) -> i32 {
        let mut years = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            years -= 1;
        }
        years
    }

    /// The date as a clinician writes it: `2 de octubre de 2026`.
    pub fn spanish(self) -> String {
        format!(
            "{} de {} de {}",
            self.day,
            MONTHS[(self.month - 1) as usize],
            self.year
        )
    }

    /// Day and month only (`2 de octubre`), for ranges within one year.
    pub fn spanish_day_month(self) -> String {
        format!("{} de {}", self.day, MONTHS[(self.month - 1) as usize])
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 20_415, 20_513, 2_932_896] {
            let date = Date::from_days_since_epoch(days);
            assert_eq!(date.days_since_epoch(), days, "{date}");
            assert!(Date::new(date.year, date.month, date.day).is_some());
        }
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_days_since_epoch(20_415).to_string(),
            "2025-11-23"
        );
    }

    #[test]
    fn parses_dates_and_date_times() {
        assert_eq!(Date::parse("2026-10-02"), Date::new(2026, 10, 2));
        assert_eq!(
            Date::parse("2026-10-02T14:30:00-03:00"),
            Date::new(2026, 10, 2)
        );
        assert_eq!(Date::parse(" 2026-10-02 08:00 "), Date::new(2026, 10, 2));
    }

    #[test]
    fn rejects_impossible_or_malformed_dates() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "02-10-2026",
            "2026/10/02",
            "",
            "2026-10-02X",
            "abc",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
    }

    #[test]
    fn counts_days_and_years() {
        let a = Date::new(2026, 10, 2).unwrap();
        let b = Date::new(2026, 10, 9).unwrap();
        assert_eq!(a.days_until(b), 7);
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(
            Date::new(2025, 12, 31)
                .unwrap()
                .days_until(Date::new(2026, 3, 1).unwrap()),
            60
        );
        let born = Date::new(1951, 5, 22).unwrap();
        assert_eq!(born.years_until(b), 75);
        assert_eq!(born.years_until(Date::new(2026, 5, 21).unwrap()), 74);
    }

    #[test]
    fn writes_spanish_dates() {
        assert_eq!(
            Date::new(2026, 10, 2).unwrap().spanish(),
            "2 de octubre de 2026"
        );
        assert_eq!(
            Date::new(2026, 9, 14).unwrap().spanish_day_month(),
            "14 de septiembre"
        );
    }

    fn santiago() -> TimeZone {
        // A fixed POSIX rule (Chile's: UTC-4, UTC-3 from September to
        // April), so the test needs no tz database on the machine.
        TimeZone::posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24").unwrap()
    }

    #[test]
    fn an_evening_in_chile_is_still_today_there() {
        // 2026-12-01 23:30 in Santiago (summer, UTC-3) is 02:30 UTC on the 2nd.
        let late = 1_796_178_600_000;
        assert_eq!(
            Date::of_instant(late, &TimeZone::UTC).to_string(),
            "2026-12-02"
        );
        assert_eq!(
            Date::of_instant(late, &santiago()).to_string(),
            "2026-12-01"
        );
        // 2026-07-01 20:30 in winter (UTC-4) is 00:30 UTC on the 2nd.
        let winter = 1_782_952_200_000;
        assert_eq!(
            Date::of_instant(winter, &santiago()).to_string(),
            "2026-07-01"
        );
        // Just after local midnight it is the next day there too.
        let just_after = 1_796_180_400_000 + 60_000; // 2026-12-02 00:01 -03
        assert_eq!(
            Date::of_instant(just_after, &santiago()).to_string(),
            "2026-12-02"
        );
    }

    #[test]
    fn a_local_day_starts_at_local_midnight() {
        let day = Date::new(2026, 12, 2).unwrap();
        // 00:00 at UTC-3 is 03:00 UTC.
        assert_eq!(day.start_in(&santiago()), 1_796_180_400_000);
        assert_eq!(
            day.start_in(&TimeZone::UTC),
            day.days_since_epoch() * 86_400_000
        );
        for text in [
            "2024-02-29",
            "2026-01-01",
            "2026-04-04",
            "2026-09-06",
            "2026-12-31",
        ] {
            let d = Date::parse(text).unwrap();
            let start = d.start_in(&santiago());
            assert_eq!(Date::of_instant(start, &santiago()), d, "{text}");
            assert_eq!(
                Date::of_instant(start - 1, &santiago()).days_until(d),
                1,
                "{text}"
            );
        }
    }
}
