//! RFC 3339 time, the one place for it: the time type ([`UnixTime`]),
//! parsing, formatting and the civil-date arithmetic behind both
//! (days-from-civil and back, after Howard Hinnant's public-domain
//! algorithms), without a calendar crate or a time-zone database (offsets
//! are always explicit).
//!
//! Invariants:
//! - A date that does not exist (2026-02-31, 2025-02-29, month 13, hour
//!   24) is refused by every parser, never rolled over into the next month
//!   and signed into a custody record or a certificate.
//! - Formatting is fixed: `YYYY-MM-DDTHH:MM:SSZ` in UTC, the bytes that
//!   certificates, custody events and manifests carry and sign.
//! - Two grammars, one parser: [`TimeSyntax::Timestamp`] for what
//!   evidentia writes into bundles and is given with `--time`;
//!   [`TimeSyntax::TimestampOrDate`] (also a plain date, or a space for
//!   the `T`) for certificate validity dates.

use std::fmt;

/// A point in time in whole seconds since 1970-01-01T00:00:00Z.
pub type UnixTime = i64;

/// Which texts a parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSyntax {
    /// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` ([`parse_rfc3339`]).
    Timestamp,
    /// The same, or with a space for the `T`, or a plain `YYYY-MM-DD`
    /// (midnight UTC) ([`parse_rfc3339_or_date`]).
    TimestampOrDate,
}

/// A text that is not a timestamp (or date) of the syntax asked for, or
/// names a date or time that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTimestamp {
    /// The text as given ([`TimeSyntax::TimestampOrDate`]: its first 64
    /// characters).
    pub text: String,
    /// The syntax that was asked for.
    pub syntax: TimeSyntax,
    /// Why a text of the right shape names no real moment ("2026-02 has
    /// 28 days, there is no day 31"); `None` when the shape is wrong.
    pub impossible: Option<String>,
}

impl fmt::Display for BadTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &self.text;
        if let Some(why) = &self.impossible {
            return write!(
                f,
                "{text:?} names a date or time that does not exist: {why}"
            );
        }
        match self.syntax {
            TimeSyntax::Timestamp => write!(
                f,
                "not an RFC 3339 timestamp with offset (e.g. 2024-05-01T12:00:00Z): {text:?}"
            ),
            TimeSyntax::TimestampOrDate => {
                write!(f, "not an RFC 3339 timestamp or YYYY-MM-DD date: {text:?}")
            }
        }
    }
}

impl std::error::Error for BadTimestamp {}

/// (year, month, day, hour, minute, second) of a Unix time in UTC.
pub fn civil_from_unix(secs: UnixTime) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// Days since the Unix epoch of a civil date (which must exist).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The number of days in month `m` (1-12) of year `y` (proleptic
/// Gregorian): what makes 2026-02-31 an impossible date.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339_utc(secs: UnixTime) -> String {
    let (y, mo, d, h, mi, s) = civil_from_unix(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `YYYY-MM-DDTHH:MM:SS±HH:MM`: the moment `secs` seen from a zone
/// `offset` seconds east of UTC.
pub fn format_rfc3339_offset(secs: UnixTime, offset: i64) -> String {
    let local = format_rfc3339_utc(secs + offset);
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let suffix = format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60);
    format!("{}{suffix}", local.trim_end_matches('Z'))
}

/// `YYYY-MM-DD` (the BagIt Bagging-Date).
pub fn format_date_utc(secs: UnixTime) -> String {
    let (y, mo, d, ..) = civil_from_unix(secs);
    format!("{y:04}-{mo:02}-{d:02}")
}

/// Parse `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` into Unix seconds
/// (fractions are dropped, a leap second is the second before it).
pub fn parse_rfc3339(text: &str) -> Result<UnixTime, BadTimestamp> {
    parse(text, TimeSyntax::Timestamp)
}

/// Parse an RFC 3339 timestamp (`2026-03-01T12:00:00Z`, `...+02:00`,
/// fractional seconds ignored, a space allowed for the `T`) or a plain
/// date (midnight UTC): certificate validity dates.
pub fn parse_rfc3339_or_date(text: &str) -> Result<UnixTime, BadTimestamp> {
    parse(text, TimeSyntax::TimestampOrDate)
}

/// Parse `text` in `syntax`.
fn parse(text: &str, syntax: TimeSyntax) -> Result<UnixTime, BadTimestamp> {
    parse_bytes(text.as_bytes(), syntax).ok_or_else(|| BadTimestamp {
        text: match syntax {
            TimeSyntax::Timestamp => text.to_string(),
            TimeSyntax::TimestampOrDate => text.chars().take(64).collect(),
        },
        syntax,
        impossible: impossible(text.as_bytes()),
    })
}

/// Why a text shaped like `YYYY-MM-DD[THH:MM:SS...]` names no real date or
/// time, or `None` when its shape is wrong or its fields are all in range.
fn impossible(b: &[u8]) -> Option<String> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) {
        return Some(format!("there is no month {mo:02}"));
    }
    let days = days_in_month(y, mo);
    if d < 1 || d > days {
        return Some(format!(
            "{y:04}-{mo:02} has {days} days, there is no day {d:02}"
        ));
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    match () {
        _ if h > 23 => Some(format!("there is no hour {h:02}")),
        _ if mi > 59 => Some(format!("there is no minute {mi:02}")),
        _ if s > 60 => Some(format!("there is no second {s:02}")),
        _ => None,
    }
}

/// The one grammar: every byte of an accepted text is checked, so an
/// accepted text is ASCII.
fn parse_bytes(b: &[u8], syntax: TimeSyntax) -> Option<UnixTime> {
    let or_date = syntax == TimeSyntax::TimestampOrDate;
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    // A date that does not exist (2026-02-31) is refused, never rolled
    // over into the next month and signed into a custody record.
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let date = days_from_civil(y, mo, d) * 86_400;
    if or_date && b.len() == 10 {
        return Some(date);
    }
    let separator = match b.get(10) {
        Some(b'T' | b't') => true,
        Some(b' ') => or_date,
        _ => false,
    };
    if !separator || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(date + h * 3600 + mi * 60 + s.min(59) - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(format_rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_date_utc(951_782_400), "2000-02-29");
        for parse in [parse_rfc3339, parse_rfc3339_or_date] {
            assert_eq!(parse("1970-01-01T00:00:00Z"), Ok(0));
            assert_eq!(parse("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
            assert_eq!(parse("2023-11-15T00:13:20+02:00"), Ok(1_700_000_000));
            assert_eq!(parse("2023-11-14t22:13:20.123456z"), Ok(1_700_000_000));
            assert_eq!(parse("1969-12-31T23:59:59Z"), Ok(-1));
            // A leap second is the second before it.
            assert_eq!(parse("2016-12-31T23:59:60Z"), parse("2016-12-31T23:59:59Z"));
        }
    }

    #[test]
    fn offsets_are_formatted_with_their_sign() {
        assert_eq!(
            format_rfc3339_offset(0, 2 * 3600 + 30 * 60),
            "1970-01-01T02:30:00+02:30"
        );
        assert_eq!(
            format_rfc3339_offset(0, -5 * 3600),
            "1969-12-31T19:00:00-05:00"
        );
        assert_eq!(format_rfc3339_offset(0, 0), "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn round_trip_over_centuries() {
        for t in (-5_000_000_000i64..10_000_000_000).step_by(86_399 * 97) {
            let text = format_rfc3339_utc(t);
            assert_eq!(parse_rfc3339(&text), Ok(t), "{t}");
            assert_eq!(parse_rfc3339_or_date(&text), Ok(t), "{t}");
            assert_eq!(
                parse_rfc3339_or_date(&format_date_utc(t)),
                Ok(t - t.rem_euclid(86_400))
            );
        }
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        for (year, leap) in [
            (2024, true),
            (2025, false),
            (2000, true),
            (1900, false),
            (2100, false),
            (2400, true),
        ] {
            let text = format!("{year}-02-29T12:00:00Z");
            assert_eq!(parse_rfc3339(&text).is_ok(), leap, "{text}");
            assert_eq!(parse_rfc3339_or_date(&text[..10]).is_ok(), leap, "{text}");
            assert_eq!(days_in_month(year, 2), if leap { 29 } else { 28 });
        }
    }

    /// Dates and times that do not exist are refused by both grammars,
    /// as timestamps and (for the date grammar) as plain dates.
    /// Texts an attacker might put in a bundle or pass as `--time` to get
    /// a time signed that a reader would take for another: non-ASCII
    /// digits, a hidden trailing line, an offset of a day or more, a sign
    /// where a digit belongs. Each is refused, never read loosely.
    #[test]
    fn disguised_times_are_refused() {
        for text in [
            "２026-03-01T12:00:00Z",
            "2026-03-01T12:00:00Z\n",
            "2026-03-01T12:00:00Z\u{202e}",
            " 2026-03-01T12:00:00Z",
            "2026-03-01T12:00:00+24:00",
            "2026-03-01T12:00:00-00:60",
            "+026-03-01T12:00:00Z",
            "2026-+3-01T12:00:00Z",
            "2026-03-01T12:00:00.Z",
            "2026-03-01T12:00:00ZZ",
        ] {
            assert!(parse_rfc3339(text).is_err(), "{text:?}");
            assert!(parse_rfc3339_or_date(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for date in [
            "2026-02-29",
            "2026-02-30",
            "2026-02-31",
            "2024-02-30",
            "2026-04-31",
            "2026-06-31",
            "2026-09-31",
            "2026-11-31",
            "2026-01-32",
            "2026-12-32",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-99-99",
        ] {
            assert!(parse_rfc3339_or_date(date).is_err(), "{date}");
            let ts = format!("{date}T12:00:00Z");
            assert!(parse_rfc3339(&ts).is_err(), "{ts}");
            assert!(parse_rfc3339_or_date(&ts).is_err(), "{ts}");
        }
        for time in ["24:00:00", "23:60:00", "23:59:61", "99:00:00"] {
            let ts = format!("2026-01-01T{time}Z");
            assert!(parse_rfc3339(&ts).is_err(), "{ts}");
            assert!(parse_rfc3339_or_date(&ts).is_err(), "{ts}");
        }
        for offset in ["+24:00", "-00:60"] {
            let ts = format!("2026-01-01T00:00:00{offset}");
            assert!(parse_rfc3339(&ts).is_err(), "{ts}");
        }
        // The last day of each month exists.
        for (m, last) in [
            (1, 31),
            (2, 28),
            (3, 31),
            (4, 30),
            (5, 31),
            (6, 30),
            (7, 31),
            (8, 31),
            (9, 30),
            (10, 31),
            (11, 30),
            (12, 31),
        ] {
            let ts = format!("2026-{m:02}-{last:02}T00:00:00Z");
            assert!(parse_rfc3339(&ts).is_ok(), "{ts}");
        }
    }

    #[test]
    fn the_two_grammars_differ_only_where_documented() {
        // A plain date and a space for the T: validity dates only.
        for text in ["2023-11-14", "2023-11-14 22:13:20Z"] {
            assert!(parse_rfc3339(text).is_err(), "{text}");
            assert!(parse_rfc3339_or_date(text).is_ok(), "{text}");
        }
        for text in [
            "",
            "2023",
            "2023-11-14T",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20+0200",
            "2023-11-14T22:13:20Zjunk",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20+02:00 ",
            "２０２３-11-14",
            "2023-11-14T22:13:2é",
            "+023-11-14T22:13:20Z",
            "2023-11-14 22:13:20",
        ] {
            assert!(parse_rfc3339(text).is_err(), "{text:?}");
            assert!(parse_rfc3339_or_date(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        let long = format!("2026-02-31T12:00:00Z{}", "x".repeat(70));
        assert_eq!(
            parse_rfc3339("2026-02-31T12:00:00Z")
                .unwrap_err()
                .to_string(),
            "\"2026-02-31T12:00:00Z\" names a date or time that does not exist: \
             2026-02 has 28 days, there is no day 31"
        );
        assert_eq!(
            parse_rfc3339("2026-13-01T12:00:00Z")
                .unwrap_err()
                .to_string(),
            "\"2026-13-01T12:00:00Z\" names a date or time that does not exist: \
             there is no month 13"
        );
        assert_eq!(
            parse_rfc3339("2026-03-01T24:00:00Z")
                .unwrap_err()
                .to_string(),
            "\"2026-03-01T24:00:00Z\" names a date or time that does not exist: \
             there is no hour 24"
        );
        assert_eq!(
            parse_rfc3339("2026-03-01 12:00").unwrap_err().to_string(),
            "not an RFC 3339 timestamp with offset (e.g. 2024-05-01T12:00:00Z): \"2026-03-01 12:00\""
        );
        assert_eq!(parse_rfc3339(&long).unwrap_err().text, long);
        let e = parse_rfc3339_or_date(&long).unwrap_err();
        assert_eq!(e.text, long[..64]);
        assert_eq!(
            parse_rfc3339_or_date("2026-02-31").unwrap_err().to_string(),
            "\"2026-02-31\" names a date or time that does not exist: \
             2026-02 has 28 days, there is no day 31"
        );
    }
}
