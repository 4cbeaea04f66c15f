//! Civil time for certificates and signatures: RFC 3339 timestamps to and
//! from Unix seconds, without a time-zone database (offsets are explicit).

use crate::model::days_in_month;
use thiserror::Error;

/// A point in time in whole seconds since 1970-01-01T00:00:00Z.
pub type UnixTime = i64;

/// A timestamp that is not RFC 3339 (or a plain `YYYY-MM-DD` date).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not an RFC 3339 timestamp or YYYY-MM-DD date: {text:?}")]
pub struct TimeError {
    /// The text that did not parse (truncated to 64 characters).
    pub text: String,
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Format as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn format_rfc3339(t: UnixTime) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parse an RFC 3339 timestamp (`2026-03-01T12:00:00Z`, `...+02:00`,
/// fractional seconds ignored) or a plain date (midnight UTC).
pub fn parse_rfc3339(s: &str) -> Result<UnixTime, TimeError> {
    let err = || TimeError {
        text: s.chars().take(64).collect(),
    };
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (
        num(0..4).ok_or_else(err)?,
        num(5..7).ok_or_else(err)?,
        num(8..10).ok_or_else(err)?,
    );
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) {
        return Err(err());
    }
    if d < 1 || d > days_in_month(y, mo) {
        return Err(err());
    }
    let date = days_from_civil(y, mo, d) * 86_400;
    if b.len() == 10 {
        return Ok(date);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return Err(err());
    }
    let (h, mi, se) = (
        num(11..13).ok_or_else(err)?,
        num(14..16).ok_or_else(err)?,
        num(17..19).ok_or_else(err)?,
    );
    if h > 23 || mi > 59 || se > 60 {
        return Err(err());
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(err());
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (oh, om) = (
                num(i + 1..i + 3).ok_or_else(err)?,
                num(i + 4..i + 6).ok_or_else(err)?,
            );
            if oh > 23 || om > 59 {
                return Err(err());
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return Err(err()),
    };
    Ok(date + h * 3600 + mi * 60 + se.min(59) - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(
            parse_rfc3339("2023-11-15T00:13:20+02:00"),
            Ok(1_700_000_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123456Z"),
            Ok(1_700_000_000)
        );
        assert_eq!(parse_rfc3339("2000-02-29"), Ok(951_782_400));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Ok(-1));
    }

    #[test]
    fn round_trip_over_centuries() {
        for t in (-5_000_000_000i64..10_000_000_000).step_by(86_399 * 97) {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Ok(t), "{t}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "2023",
            "2023-13-01",
            "2023-02-29",
            "2023-11-14T25:00:00Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20+0200",
            "2023-11-14T22:13:20Zjunk",
            "２０２３-11-14",
            "2023-11-14T22:13:20.Z",
        ] {
            assert!(parse_rfc3339(s).is_err(), "{s:?}");
        }
    }
}
