//! The one timestamp a zip header holds: date and time in MS-DOS form
//! (two-second steps, 1980 to 2107, no time zone). Bundles store UTC.

/// A date and time in MS-DOS form, as zip headers hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DosTime {
    /// Packed time (hours, minutes, seconds / 2).
    pub time: u16,
    /// Packed date (year - 1980, month, day).
    pub date: u16,
}

impl std::fmt::Display for DosTime {
    /// `YYYY-MM-DD HH:MM:SS`, field by field as packed (even when a field
    /// is out of range: what a hostile header holds is shown as it is).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (d, t) = (self.date, self.time);
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            1980 + (d >> 9),
            (d >> 5) & 0xF,
            d & 0x1F,
            t >> 11,
            (t >> 5) & 0x3F,
            (t & 0x1F) * 2
        )
    }
}

impl DosTime {
    /// From seconds since the Unix epoch, in UTC. Times before 1980 become
    /// 1980-01-01 00:00:00, the earliest a zip can hold.
    pub fn from_unix(secs: i64) -> DosTime {
        let (y, mo, d, h, mi, s) = crate::model::civil_from_unix(secs);
        if y < 1980 {
            return DosTime {
                time: 0,
                date: (1 << 5) | 1,
            };
        }
        let y = (y - 1980).min(127) as u16;
        DosTime {
            time: ((h as u16) << 11) | ((mi as u16) << 5) | (s as u16 / 2),
            date: (y << 9) | ((mo as u16) << 5) | d as u16,
        }
    }
}
