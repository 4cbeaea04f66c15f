//! The case metadata in the `header2` and `header` sections (spec "Header2
//! section", "Header section", "Header values").
//!
//! `header2` is UTF-16 text and is preferred. `header` is text in a Windows
//! codepage the file does not name: pure ASCII is read as such; anything
//! else is decoded as windows-1252 and the result says that this codepage
//! was *assumed* ([`HeaderEncoding::AssumedWindows1252`]), never silently.

use flate2::{Decompress, FlushDecompress, Status};

use super::section::adler32;

/// Largest inflated header text accepted.
pub(crate) const MAX_HEADER_TEXT: usize = 1024 * 1024;
/// Largest compressed header section body accepted.
pub(crate) const MAX_HEADER_BODY: u64 = 1024 * 1024;

/// Why a zlib stream was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InflateProblem {
    /// The two-byte zlib header is not deflate without a preset dictionary.
    Header,
    /// The deflate data is corrupt (the decoder's message).
    Corrupt(String),
    /// The stream inflates to more than the allowed length.
    TooLong,
    /// The stream ends before its end-of-stream marker or trailer.
    Truncated,
    /// Bytes follow the zlib trailer.
    TrailingBytes,
    /// The zlib Adler-32 trailer does not match the inflated data.
    Checksum {
        /// Adler-32 in the trailer.
        expected: u32,
        /// Adler-32 of the inflated data.
        actual: u32,
    },
}

impl std::fmt::Display for InflateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Header => write!(f, "not a zlib deflate stream"),
            Self::Corrupt(m) => write!(f, "corrupt deflate data ({m})"),
            Self::TooLong => write!(f, "inflates to more than expected"),
            Self::Truncated => write!(f, "zlib stream is truncated"),
            Self::TrailingBytes => write!(f, "bytes after the end of the zlib stream"),
            Self::Checksum { expected, actual } => write!(
                f,
                "zlib Adler-32 expected {expected:08x}, actual {actual:08x}"
            ),
        }
    }
}

/// Inflates a whole zlib stream into `out` (cleared first), refusing more
/// than `max_out` bytes, a bad header or trailer, and trailing bytes.
pub(crate) fn inflate_zlib(
    data: &[u8],
    max_out: usize,
    out: &mut Vec<u8>,
) -> Result<(), InflateProblem> {
    if data.len() < 6 {
        return Err(InflateProblem::Truncated);
    }
    let (cmf, flg) = (data[0], data[1]);
    if cmf & 0x0f != 8
        || cmf >> 4 > 7
        || flg & 0x20 != 0
        || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0
    {
        return Err(InflateProblem::Header);
    }
    out.clear();
    // Room for one byte more than allowed, to tell "exactly max_out" from
    // "more"; `decompress_vec` writes into the spare capacity only.
    out.reserve_exact(max_out + 1);
    let mut d = Decompress::new(false);
    let body = &data[2..];
    let status = d
        .decompress_vec(body, out, FlushDecompress::Finish)
        .map_err(|e| InflateProblem::Corrupt(e.to_string()))?;
    // Bounded by the slice's length.
    let consumed = d.total_in() as usize;
    if out.len() > max_out {
        return Err(InflateProblem::TooLong);
    }
    if status != Status::StreamEnd {
        return Err(InflateProblem::Truncated);
    }
    let rest = &body[consumed..];
    if rest.len() < 4 {
        return Err(InflateProblem::Truncated);
    }
    if rest.len() > 4 {
        return Err(InflateProblem::TrailingBytes);
    }
    let expected = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
    let actual = adler32(out);
    if expected != actual {
        return Err(InflateProblem::Checksum { expected, actual });
    }
    Ok(())
}

/// How the header text was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderEncoding {
    /// From `header2`: UTF-16 little-endian with a byte order mark.
    Utf16Le,
    /// From `header2`: UTF-16 big-endian with a byte order mark.
    Utf16Be,
    /// From `header`, every byte ASCII: no codepage question arises.
    Ascii,
    /// From `header`, with bytes above 0x7F: the file does not say which
    /// codepage it is; windows-1252 was assumed.
    AssumedWindows1252,
}

/// Why header text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// The zlib stream was refused.
    Inflate(InflateProblem),
    /// `header2` does not start with a UTF-16 byte order mark, or is not valid UTF-16.
    NotUtf16,
    /// The text does not have the category / key line / value line layout.
    Layout(&'static str),
}

impl std::fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Inflate(p) => write!(f, "{p}"),
            Self::NotUtf16 => write!(f, "header2 is not UTF-16 text with a byte order mark"),
            Self::Layout(why) => write!(f, "{why}"),
        }
    }
}

/// The case metadata of an E01, key by key, in the order stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    /// How the text was decoded.
    pub encoding: HeaderEncoding,
    /// Every (key, value) pair of the `main` category, in stored order.
    pub values: Vec<(String, String)>,
}

impl HeaderInfo {
    /// The value of a key (`c`, `n`, `a`, ...), if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Case number (`c`).
    pub fn case_number(&self) -> Option<&str> {
        self.get("c")
    }
    /// Evidence number (`n`).
    pub fn evidence_number(&self) -> Option<&str> {
        self.get("n")
    }
    /// Description (`a`).
    pub fn description(&self) -> Option<&str> {
        self.get("a")
    }
    /// Examiner name (`e`).
    pub fn examiner(&self) -> Option<&str> {
        self.get("e")
    }
    /// Notes (`t`).
    pub fn notes(&self) -> Option<&str> {
        self.get("t")
    }
    /// Media model (`md`, header2 only).
    pub fn model(&self) -> Option<&str> {
        self.get("md")
    }
    /// Media serial number (`sn`, header2 only).
    pub fn serial_number(&self) -> Option<&str> {
        self.get("sn")
    }
    /// Acquiring software version (`av`).
    pub fn software_version(&self) -> Option<&str> {
        self.get("av")
    }
    /// Acquiring operating system (`ov`).
    pub fn os(&self) -> Option<&str> {
        self.get("ov")
    }
    /// Acquisition date (`m`): POSIX seconds in header2, local-time text
    /// without a zone (`2002 3 4 10 19 59`) in header. Returned as stored.
    pub fn acquisition_date(&self) -> Option<&str> {
        self.get("m")
    }
    /// System date (`u`), in the same form as [`Self::acquisition_date`].
    pub fn system_date(&self) -> Option<&str> {
        self.get("u")
    }
}

/// Parses a `header2` section body.
pub(crate) fn parse_header2(body: &[u8]) -> Result<HeaderInfo, HeaderProblem> {
    let mut raw = Vec::new();
    inflate_zlib(body, MAX_HEADER_TEXT, &mut raw).map_err(HeaderProblem::Inflate)?;
    let (encoding, units): (HeaderEncoding, Vec<u16>) = match raw.get(..2) {
        Some([0xff, 0xfe]) if raw.len() % 2 == 0 => (
            HeaderEncoding::Utf16Le,
            raw[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        ),
        Some([0xfe, 0xff]) if raw.len() % 2 == 0 => (
            HeaderEncoding::Utf16Be,
            raw[2..]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect(),
        ),
        _ => return Err(HeaderProblem::NotUtf16),
    };
    let text = char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| HeaderProblem::NotUtf16)?;
    parse_text(&text, encoding)
}

/// Parses a `header` section body.
pub(crate) fn parse_header(body: &[u8]) -> Result<HeaderInfo, HeaderProblem> {
    let mut raw = Vec::new();
    inflate_zlib(body, MAX_HEADER_TEXT, &mut raw).map_err(HeaderProblem::Inflate)?;
    if raw.is_ascii() {
        // ASCII is valid UTF-8.
        let text = String::from_utf8_lossy(&raw).into_owned();
        parse_text(&text, HeaderEncoding::Ascii)
    } else {
        let text: String = raw.iter().map(|&b| windows_1252(b)).collect();
        parse_text(&text, HeaderEncoding::AssumedWindows1252)
    }
}

/// Decodes one windows-1252 byte (the five unassigned bytes become U+FFFD).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž',
        '\u{fffd}', '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
        '\u{fffd}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Parses `count`, `main`, key line, value line (lines end in LF or CRLF).
fn parse_text(text: &str, encoding: HeaderEncoding) -> Result<HeaderInfo, HeaderProblem> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let count = lines.next().unwrap_or("");
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) || count.len() > 3 {
        return Err(HeaderProblem::Layout(
            "header does not start with a category count",
        ));
    }
    if lines.next() != Some("main") {
        return Err(HeaderProblem::Layout("header has no main category"));
    }
    let keys = lines
        .next()
        .ok_or(HeaderProblem::Layout("header has no key line"))?;
    let values = lines
        .next()
        .ok_or(HeaderProblem::Layout("header has no value line"))?;
    let keys: Vec<&str> = keys.split('\t').collect();
    let values: Vec<&str> = values.split('\t').collect();
    if keys.len() != values.len() {
        return Err(HeaderProblem::Layout(
            "header key and value lines differ in length",
        ));
    }
    Ok(HeaderInfo {
        encoding,
        values: keys
            .into_iter()
            .zip(values)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn header_codepage_is_flagged_not_guessed_silently() {
        let h = parse_header(&zlib(b"1\r\nmain\r\nc\tn\r\nCaf\xe9-1\tEv\x80\r\n\r\n")).unwrap();
        assert_eq!(h.encoding, HeaderEncoding::AssumedWindows1252);
        assert_eq!(h.case_number(), Some("Café-1"));
        assert_eq!(h.evidence_number(), Some("Ev€"));
        let h = parse_header(&zlib(b"1\nmain\nc\tn\tr\nC\tE\tf\n\n")).unwrap();
        assert_eq!(h.encoding, HeaderEncoding::Ascii);
        assert_eq!(h.get("r"), Some("f"));
    }

    #[test]
    fn header2_is_utf16() {
        let text = "3\nmain\na\tc\tmd\tsn\nDesc\tCafé-1\tModel\tSN1\n\nsrce\n";
        let mut raw = vec![0xff, 0xfe];
        for u in text.encode_utf16() {
            raw.extend_from_slice(&u.to_le_bytes());
        }
        let h = parse_header2(&zlib(&raw)).unwrap();
        assert_eq!(h.encoding, HeaderEncoding::Utf16Le);
        assert_eq!(h.case_number(), Some("Café-1"));
        assert_eq!(h.serial_number(), Some("SN1"));
        assert_eq!(
            parse_header2(&zlib(b"3\nmain\n")),
            Err(HeaderProblem::NotUtf16)
        );
    }

    #[test]
    fn inflate_is_bounded_and_checked() {
        let z = zlib(&[7u8; 1000]);
        let mut out = Vec::new();
        inflate_zlib(&z, 1000, &mut out).unwrap();
        assert_eq!(out, vec![7u8; 1000]);
        assert_eq!(
            inflate_zlib(&z, 999, &mut out),
            Err(InflateProblem::TooLong)
        );
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(matches!(
            inflate_zlib(&bad, 1000, &mut out),
            Err(InflateProblem::Checksum { .. })
        ));
        let mut extra = z.clone();
        extra.push(0);
        assert_eq!(
            inflate_zlib(&extra, 1000, &mut out),
            Err(InflateProblem::TrailingBytes)
        );
        assert_eq!(
            inflate_zlib(&z[..n - 2], 1000, &mut out),
            Err(InflateProblem::Truncated)
        );
    }
}
