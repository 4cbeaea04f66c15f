//! BagIt 1.0 (RFC 8493) tag files: writing manifests and bag-info.txt, and
//! parsing them back strictly.
//!
//! Manifest lines are `<hex>  <path>` with CR, LF and `%` percent-encoded
//! in the path (RFC 8493 §2.1.3). bag-info values that span lines are
//! folded with continuation lines that start with two spaces.

use super::layout;

/// One line of a manifest: a digest and a path relative to the bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLine {
    /// Lower-case hex digest.
    pub digest: String,
    /// The decoded path (`data/...` or a tag file name).
    pub path: String,
}

/// A manifest line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ManifestSyntax {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Render a manifest. `entries` must already be sorted.
pub fn render_manifest<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut out = String::new();
    for (digest, path) in entries {
        out.push_str(digest);
        out.push_str("  ");
        out.push_str(&layout::manifest_encode(path));
        out.push('\n');
    }
    out.into_bytes()
}

/// Parse a manifest of digests `digest_len` bytes long.
pub fn parse_manifest(text: &[u8], digest_len: usize) -> Result<Vec<ManifestLine>, ManifestSyntax> {
    let text = std::str::from_utf8(text).map_err(|_| not_utf8())?;
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        if let Some(l) = parse_line(raw, i + 1, digest_len)? {
            out.push(l);
        }
    }
    Ok(out)
}

fn not_utf8() -> ManifestSyntax {
    ManifestSyntax {
        line: 0,
        reason: "not UTF-8".into(),
    }
}

/// One line (without its `\n`); `None` for an empty line.
fn parse_line(
    raw: &str,
    number: usize,
    digest_len: usize,
) -> Result<Option<ManifestLine>, ManifestSyntax> {
    let line = raw.strip_suffix('\r').unwrap_or(raw);
    if line.is_empty() {
        return Ok(None);
    }
    let err = |reason: &str| ManifestSyntax {
        line: number,
        reason: reason.into(),
    };
    let (digest, rest) = line.split_once([' ', '\t']).ok_or_else(|| err("no path"))?;
    let path = rest.trim_start_matches([' ', '\t']);
    if digest.len() != digest_len * 2 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err("malformed digest"));
    }
    if path.is_empty() {
        return Err(err("no path"));
    }
    Ok(Some(ManifestLine {
        digest: digest.to_ascii_lowercase(),
        path: layout::manifest_decode(path),
    }))
}

/// The longest manifest line [`ManifestLines`] reads.
pub const MAX_MANIFEST_LINE: usize = 1 << 20;

/// A manifest read line by line from a stream: the same lines, in the same
/// order, with the same syntax errors as [`parse_manifest`] (except that
/// text that is not UTF-8 is noticed at its line, not before the first).
pub struct ManifestLines<R> {
    reader: std::io::BufReader<R>,
    buf: Vec<u8>,
    number: usize,
    digest_len: usize,
}

/// A line longer than `MAX_MANIFEST_LINE` (an `io::Error` payload).
#[derive(Debug, thiserror::Error)]
#[error("manifest line longer than {MAX_MANIFEST_LINE} bytes")]
pub struct LineTooLong;

impl<R: std::io::Read> ManifestLines<R> {
    /// Read manifest lines with digests `digest_len` bytes long.
    pub fn new(reader: R, digest_len: usize) -> ManifestLines<R> {
        ManifestLines {
            reader: std::io::BufReader::with_capacity(64 << 10, reader),
            buf: Vec::new(),
            number: 0,
            digest_len,
        }
    }

    /// The next non-empty line: `Ok(None)` at the end, `Ok(Some(Err))` for
    /// a syntax error (line 0 when the line is not UTF-8).
    #[allow(clippy::type_complexity)]
    pub fn next_line(&mut self) -> std::io::Result<Option<Result<ManifestLine, ManifestSyntax>>> {
        use std::io::{BufRead, Read};
        loop {
            self.buf.clear();
            let n = (&mut self.reader)
                .take(MAX_MANIFEST_LINE as u64 + 1)
                .read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            if self.buf.len() > MAX_MANIFEST_LINE {
                return Err(std::io::Error::other(LineTooLong));
            }
            self.number += 1;
            let raw = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
            let Ok(raw) = std::str::from_utf8(raw) else {
                return Ok(Some(Err(not_utf8())));
            };
            match parse_line(raw, self.number, self.digest_len) {
                Ok(None) => continue,
                Ok(Some(l)) => return Ok(Some(Ok(l))),
                Err(e) => return Ok(Some(Err(e))),
            }
        }
    }
}

/// Render bag-info.txt from labels in order; multi-line values are folded.
pub fn render_bag_info(labels: &[(&str, String)]) -> Vec<u8> {
    let mut out = String::new();
    for (label, value) in labels {
        out.push_str(label);
        out.push_str(": ");
        let value = value.replace("\r\n", "\n").replace('\r', "\n");
        out.push_str(&value.replace('\n', "\n  "));
        out.push('\n');
    }
    out.into_bytes()
}

/// Parse bag-info.txt into (label, value) pairs in order, joining
/// continuation lines with a newline.
pub fn parse_bag_info(text: &[u8]) -> Result<Vec<(String, String)>, ManifestSyntax> {
    let text = std::str::from_utf8(text).map_err(|_| ManifestSyntax {
        line: 0,
        reason: "not UTF-8".into(),
    })?;
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim_start());
                }
                None => {
                    return Err(ManifestSyntax {
                        line: i + 1,
                        reason: "continuation first".into(),
                    });
                }
            }
            continue;
        }
        let (label, value) = line.split_once(':').ok_or_else(|| ManifestSyntax {
            line: i + 1,
            reason: "no ':'".into(),
        })?;
        out.push((label.trim().to_string(), value.trim().to_string()));
    }
    Ok(out)
}

/// A size for people, as bagit.py writes Bag-Size ("1.5 MB").
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_roundtrip() {
        let d = "ab".repeat(32);
        let text = render_manifest([(d.as_str(), "data/a\nb%"), (d.as_str(), "data/c d")]);
        assert!(String::from_utf8_lossy(&text).contains("data/a%0Ab%25"));
        let back = parse_manifest(&text, 32).unwrap();
        assert_eq!(back[0].path, "data/a\nb%");
        assert_eq!(back[1].path, "data/c d");
        assert!(parse_manifest(b"zz  data/a\n", 32).is_err());
    }

    #[test]
    fn bag_info_folds() {
        let t = render_bag_info(&[("A", "x\ny".into()), ("B", "z".into())]);
        assert_eq!(t, b"A: x\n  y\nB: z\n");
        let back = parse_bag_info(&t).unwrap();
        assert_eq!(
            back,
            vec![("A".into(), "x\ny".into()), ("B".into(), "z".into())]
        );
    }
}
