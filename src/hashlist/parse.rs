//! Reading hash lists: coreutils/b3sum lines (plain or escaped, text or
//! binary marker), BSD-style tagged lines, and HASHDEEP-1.0 files.
//!
//! The parser never panics and never guesses silently: a line it cannot
//! read is returned as a [`LineProblem`] with its number.

use crate::hash::{Algorithm, Digest, from_hex};

/// One file named in a hash list, with what it is expected to hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// 1-based line number in the list.
    pub line: usize,
    /// The file name, unescaped, as raw bytes.
    pub name: Vec<u8>,
    /// The expected size (hashdeep lists only).
    pub size: Option<u64>,
    /// The expected digests (one for sums lines, several for hashdeep).
    pub expected: Vec<Digest>,
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// The flavour of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// coreutils / b3sum / tagged lines.
    Sums,
    /// A HASHDEEP-1.0 file.
    Hashdeep,
}

/// A parsed hash list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashList {
    /// What kind of list it was.
    pub kind: ListKind,
    /// The entries in file order.
    pub entries: Vec<ListEntry>,
    /// Lines that could not be read.
    pub problems: Vec<LineProblem>,
}

/// Parse a list. `untagged_64` decides what a bare 64-hex-digit line is
/// (SHA-256 and BLAKE3 digests have the same length); `None` means SHA-256.
pub fn parse_list(data: &[u8], untagged_64: Option<Algorithm>) -> HashList {
    if data.starts_with(b"%%%% HASHDEEP-1.0") {
        parse_hashdeep(data)
    } else {
        parse_sums(data, untagged_64.unwrap_or(Algorithm::Sha256))
    }
}

fn lines(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    body.split(|b| *b == b'\n').enumerate().map(|(i, l)| (i + 1, l))
}

fn problem(line: usize, reason: impl Into<String>) -> LineProblem {
    LineProblem { line, reason: reason.into() }
}

fn unescape(name: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len());
    let mut it = name.iter();
    while let Some(&b) = it.next() {
        if b == b'\\' {
            match it.next() {
                Some(b'\\') => out.push(b'\\'),
                Some(b'n') => out.push(b'\n'),
                Some(b'r') => out.push(b'\r'),
                _ => return None,
            }
        } else {
            out.push(b);
        }
    }
    Some(out)
}

fn digest_of(algorithm: Algorithm, hex: &[u8]) -> Option<Digest> {
    let hex = std::str::from_utf8(hex).ok()?;
    let bytes = from_hex(hex)?;
    (bytes.len() == algorithm.digest_len()).then_some(Digest { algorithm, bytes })
}

fn algorithm_for_length(hex_len: usize, untagged_64: Algorithm) -> Option<Algorithm> {
    match hex_len {
        32 => Some(Algorithm::Md5),
        40 => Some(Algorithm::Sha1),
        64 => Some(untagged_64),
        128 => Some(Algorithm::Sha512),
        _ => None,
    }
}

fn parse_sums(data: &[u8], untagged_64: Algorithm) -> HashList {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, raw) in lines(data) {
        if raw.is_empty() || raw.starts_with(b"#") {
            continue;
        }
        let (escaped, line) = match raw.strip_prefix(b"\\") {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let parsed = parse_tagged(line, n).or_else(|| parse_untagged(line, n, untagged_64));
        match parsed {
            Some(Ok((digest, name))) => {
                let name = if escaped {
                    match unescape(name) {
                        Some(u) => u,
                        None => {
                            problems.push(problem(n, "bad escape sequence in file name"));
                            continue;
                        }
                    }
                } else {
                    name.to_vec()
                };
                if name.is_empty() {
                    problems.push(problem(n, "empty file name"));
                    continue;
                }
                entries.push(ListEntry { line: n, name, size: None, expected: vec![digest] });
            }
            Some(Err(p)) => problems.push(p),
            None => problems.push(problem(n, "not a checksum line (expected `HEX  NAME` or `ALGO (NAME) = HEX`)")),
        }
    }
    HashList { kind: ListKind::Sums, entries, problems }
}

type Parsed<'a> = Option<Result<(Digest, &'a [u8]), LineProblem>>;

/// `ALGO (name) = hex`; the name may itself contain `) = `, so the last
/// occurrence separates it from the digest.
fn parse_tagged(line: &[u8], n: usize) -> Parsed<'_> {
    let open = line.windows(2).position(|w| w == b" (")?;
    let tag = std::str::from_utf8(&line[..open]).ok()?;
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let close = line.windows(4).rposition(|w| w == b") = ")?;
    if close < open + 2 {
        return None;
    }
    let Some(algorithm) = Algorithm::from_tag(tag) else {
        return Some(Err(problem(n, format!("unknown algorithm tag {tag:?}"))));
    };
    let name = &line[open + 2..close];
    let hex = &line[close + 4..];
    Some(match digest_of(algorithm, hex) {
        Some(d) => Ok((d, name)),
        None => Err(problem(n, format!("not a valid {algorithm} digest"))),
    })
}

/// `hex  name` (text mode) or `hex *name` (binary marker).
fn parse_untagged(line: &[u8], n: usize, untagged_64: Algorithm) -> Parsed<'_> {
    let sp = line.iter().position(|b| *b == b' ')?;
    let hex = &line[..sp];
    if hex.is_empty() || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let rest = &line[sp + 1..];
    let name = match rest.first() {
        Some(b' ') | Some(b'*') => &rest[1..],
        _ => return None,
    };
    let Some(algorithm) = algorithm_for_length(hex.len(), untagged_64) else {
        return Some(Err(problem(n, format!("a digest of {} hex digits matches no known algorithm", hex.len()))));
    };
    Some(digest_of(algorithm, hex).map(|d| (d, name)).ok_or_else(|| problem(n, "bad digest")))
}

fn parse_hashdeep(data: &[u8]) -> HashList {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut columns: Option<Vec<Option<Algorithm>>> = None;
    for (n, line) in lines(data) {
        if n == 1 {
            continue;
        }
        if let Some(spec) = line.strip_prefix(b"%%%% ") {
            let spec = String::from_utf8_lossy(spec);
            let fields: Vec<&str> = spec.split(',').collect();
            if fields.first() != Some(&"size") || fields.last() != Some(&"filename") || fields.len() < 3 {
                problems.push(problem(n, "hashdeep column line must be `size,ALGO...,filename`"));
                return HashList { kind: ListKind::Hashdeep, entries, problems };
            }
            columns = Some(fields[1..fields.len() - 1].iter().map(|f| f.parse().ok()).collect());
            continue;
        }
        if line.starts_with(b"#") || line.is_empty() {
            continue;
        }
        let Some(cols) = &columns else {
            problems.push(problem(n, "hashdeep entry before the `%%%% size,...` column line"));
            continue;
        };
        // size, one field per column, then the file name (which may contain commas).
        let mut parts = line.splitn(cols.len() + 2, |b| *b == b',');
        let size = parts.next().and_then(|s| std::str::from_utf8(s).ok()?.parse::<u64>().ok());
        let Some(size) = size else {
            problems.push(problem(n, "bad size field"));
            continue;
        };
        let mut expected = Vec::new();
        let mut bad = None;
        for col in cols {
            let Some(field) = parts.next() else {
                bad = Some("too few fields".to_string());
                break;
            };
            // A column evidentia cannot compute (tiger, whirlpool) is
            // ignored; the others are still checked.
            if let Some(a) = col {
                match digest_of(*a, field) {
                    Some(d) => expected.push(d),
                    None => bad = Some(format!("not a valid {a} digest")),
                }
            }
        }
        let name = parts.next();
        match (bad, name) {
            (Some(reason), _) => problems.push(problem(n, reason)),
            (None, None) | (None, Some(b"")) => problems.push(problem(n, "missing file name")),
            (None, Some(_)) if expected.is_empty() => {
                problems.push(problem(n, "no column with an algorithm evidentia computes"))
            }
            (None, Some(name)) => {
                entries.push(ListEntry { line: n, name: name.to_vec(), size: Some(size), expected })
            }
        }
    }
    if columns.is_none() {
        problems.push(problem(1, "hashdeep file without a `%%%% size,...` column line"));
    }
    HashList { kind: ListKind::Hashdeep, entries, problems }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashlist::format::{sums_line, tagged_line};

    const H64: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn sums_roundtrip_with_escapes() {
        let mut data = sums_line(Algorithm::Sha256, H64, b"a\\b\nc\rd");
        data.extend(tagged_line(Algorithm::Md5, "900150983cd24fb0d6963f7d28e17f72", b"x (1) = y"));
        data.extend(format!("{H64} *bin\n").as_bytes());
        let list = parse_list(&data, None);
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        let names: Vec<&[u8]> = list.entries.iter().map(|e| e.name.as_slice()).collect();
        assert_eq!(names, vec![&b"a\\b\nc\rd"[..], b"x (1) = y", b"bin"]);
        assert_eq!(list.entries[1].expected[0].algorithm, Algorithm::Md5);
    }

    #[test]
    fn bad_lines_are_problems_not_panics() {
        let data = b"zz  name\nabc  x\n\\ab  bad\\q\nSHA256 (f) = 12\nFOO (f) = ab\n\xff\xfe\n";
        let list = parse_list(data, None);
        assert!(list.entries.is_empty());
        assert_eq!(list.problems.len(), 6, "{:?}", list.problems);
    }

    #[test]
    fn hashdeep_with_commas_in_names() {
        let data = format!(
            "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## x\n3,900150983cd24fb0d6963f7d28e17f72,{H64},/a,b.txt\n"
        );
        let list = parse_list(data.as_bytes(), None);
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        assert_eq!(list.entries[0].name, b"/a,b.txt");
        assert_eq!(list.entries[0].size, Some(3));
        assert_eq!(list.entries[0].expected.len(), 2);
    }
}
