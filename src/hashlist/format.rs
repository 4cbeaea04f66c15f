//! Writing hash lists byte-identical to the peer tools: GNU coreutils
//! `sha256sum`-style lines, `b3sum` lines, BSD-style tagged lines (as
//! `sha256sum --tag` writes them), and HASHDEEP-1.0 files.

use crate::hash::{Algorithm, HashResult};

/// Which tool's escaping rules a line follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeStyle {
    /// GNU coreutils 9: backslash, LF and CR are escaped.
    Coreutils,
    /// b3sum: backslash and LF are escaped (CR is written as is).
    B3sum,
}

impl EscapeStyle {
    /// The style of the tool that writes `algorithm` lines.
    pub fn for_algorithm(algorithm: Algorithm) -> EscapeStyle {
        if algorithm == Algorithm::Blake3 {
            EscapeStyle::B3sum
        } else {
            EscapeStyle::Coreutils
        }
    }
}

/// Escape a name; returns the escaped bytes and whether anything was
/// escaped (in which case the line must start with a backslash).
pub fn escape_name(name: &[u8], style: EscapeStyle) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(name.len());
    let mut escaped = false;
    for &b in name {
        match b {
            b'\\' => {
                out.extend_from_slice(b"\\\\");
                escaped = true;
            }
            b'\n' => {
                out.extend_from_slice(b"\\n");
                escaped = true;
            }
            b'\r' if style == EscapeStyle::Coreutils => {
                out.extend_from_slice(b"\\r");
                escaped = true;
            }
            _ => out.push(b),
        }
    }
    (out, escaped)
}

/// `<hex>  <name>\n`, as `sha256sum`, `md5sum`, `sha1sum`, `sha512sum` and
/// `b3sum` write it.
pub fn sums_line(algorithm: Algorithm, hex: &str, name: &[u8]) -> Vec<u8> {
    let (esc, escaped) = escape_name(name, EscapeStyle::for_algorithm(algorithm));
    let mut line = Vec::with_capacity(hex.len() + esc.len() + 4);
    if escaped {
        line.push(b'\\');
    }
    line.extend_from_slice(hex.as_bytes());
    line.extend_from_slice(b"  ");
    line.extend_from_slice(&esc);
    line.push(b'\n');
    line
}

/// `SHA256 (<name>) = <hex>\n`, as `sha256sum --tag` writes it.
pub fn tagged_line(algorithm: Algorithm, hex: &str, name: &[u8]) -> Vec<u8> {
    let (esc, escaped) = escape_name(name, EscapeStyle::Coreutils);
    let mut line = Vec::with_capacity(hex.len() + esc.len() + 16);
    if escaped {
        line.push(b'\\');
    }
    line.extend_from_slice(algorithm.tag().as_bytes());
    line.extend_from_slice(b" (");
    line.extend_from_slice(&esc);
    line.extend_from_slice(b") = ");
    line.extend_from_slice(hex.as_bytes());
    line.push(b'\n');
    line
}

/// The algorithms a HASHDEEP-1.0 file can carry (hashdeep also knows tiger
/// and whirlpool, which evidentia does not compute).
pub const HASHDEEP_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256];

/// The two `%%%%` header lines and the `##` comment block of a hashdeep
/// file. `invoked_from` is the working directory, `command` the command
/// line, both informational.
pub fn hashdeep_header(algorithms: &[Algorithm], invoked_from: &[u8], command: &[u8]) -> Vec<u8> {
    let mut h = b"%%%% HASHDEEP-1.0\n%%%% size".to_vec();
    for a in algorithms {
        h.push(b',');
        h.extend_from_slice(a.name().as_bytes());
    }
    h.extend_from_slice(b",filename\n## Invoked from: ");
    h.extend_from_slice(invoked_from);
    h.extend_from_slice(b"\n## $ ");
    h.extend_from_slice(command);
    h.extend_from_slice(b"\n##\n");
    h
}

/// Why a name cannot go into a hashdeep file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a file name with a line break cannot be written in hashdeep format")]
pub struct HashdeepNameError;

/// `size,hash,...,name\n`. Hashdeep has no escaping: a name containing a
/// line break cannot be represented and is refused rather than mangled.
pub fn hashdeep_line(
    algorithms: &[Algorithm],
    result: &HashResult,
    name: &[u8],
) -> Result<Vec<u8>, HashdeepNameError> {
    if name.contains(&b'\n') || name.contains(&b'\r') {
        return Err(HashdeepNameError);
    }
    let mut line = result.size.to_string().into_bytes();
    for a in algorithms {
        line.push(b',');
        if let Some(d) = result.digest(*a) {
            line.extend_from_slice(d.hex().as_bytes());
        }
    }
    line.push(b',');
    line.extend_from_slice(name);
    line.push(b'\n');
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coreutils_escaping() {
        assert_eq!(sums_line(Algorithm::Md5, "ab", b"x y"), b"ab  x y\n");
        assert_eq!(
            sums_line(Algorithm::Md5, "ab", b"a\\b\nc\rd"),
            b"\\ab  a\\\\b\\nc\\rd\n"
        );
        // b3sum leaves CR alone.
        assert_eq!(sums_line(Algorithm::Blake3, "ab", b"c\rd"), b"ab  c\rd\n");
        assert_eq!(
            tagged_line(Algorithm::Sha256, "ab", b"a\nb"),
            b"\\SHA256 (a\\nb) = ab\n"
        );
    }
}
