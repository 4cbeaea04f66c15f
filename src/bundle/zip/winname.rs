//! Names Windows cannot carry, one rule for both sides: the reader refuses
//! them (a bundle unpacked on Windows would put an entry's bytes somewhere
//! else, or nowhere), and `seal` escapes them ([`crate::bundle::layout`]).
//!
//! A path component is special on Windows when it
//! - ends with a dot or a space (Windows strips them: `a.` and `a` are one
//!   file);
//! - is a reserved device name, in any case, alone or with an extension,
//!   spaces before the dot included: `CON`, `PRN`, `AUX`, `NUL`, `CONIN$`,
//!   `CONOUT$`, `COM0`-`COM9`, `LPT0`-`LPT9`, and `COM`/`LPT` followed by a
//!   superscript one, two or three (`COM¹`), which Windows also maps to
//!   ports (`NUL.txt` is the null device);
//! - holds `:` (an NTFS alternate data stream: `a:b` writes into a hidden
//!   stream of `a`) or one of `<>"|?*`.
//!
//! Control characters and `\` are refused (reader) and escaped (seal)
//! elsewhere, for every platform.

/// Why a path component cannot be carried on Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinProblem {
    /// It ends with a dot or a space.
    TrailingDotOrSpace,
    /// It is a reserved device name (with or without an extension).
    ReservedName,
    /// It holds a character Windows file names cannot (`:<>"|?*`).
    Character(char),
}

impl std::fmt::Display for WinProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WinProblem::TrailingDotOrSpace => write!(f, "a component ends with a dot or a space"),
            WinProblem::ReservedName => write!(f, "a component is a reserved device name"),
            WinProblem::Character(':') => {
                write!(f, "':' in a component (an NTFS alternate data stream)")
            }
            WinProblem::Character(c) => write!(f, "{c:?} in a component"),
        }
    }
}

/// The characters no Windows file name holds (besides control characters
/// and `\`, which are handled for every platform).
pub const FORBIDDEN: &[char] = &[':', '<', '>', '"', '|', '?', '*'];

/// Whether `base` (a component up to its first dot, trailing spaces
/// removed) is a reserved device name, in any case. No allocation: this
/// runs for every component of every entry a bundle lists.
fn reserved_base(base: &str) -> bool {
    let b = base.as_bytes();
    let prefix = |p: &str| b.len() >= 3 && b[..3].eq_ignore_ascii_case(p.as_bytes());
    match b.len() {
        3 => ["CON", "PRN", "AUX", "NUL"].iter().any(|n| prefix(n)),
        4 => (prefix("COM") || prefix("LPT")) && b[3].is_ascii_digit(),
        // COM or LPT and a superscript one, two or three (two bytes).
        5 => {
            (prefix("COM") || prefix("LPT")) && matches!(&base[3..], "\u{b9}" | "\u{b2}" | "\u{b3}")
        }
        6 => base.eq_ignore_ascii_case("CONIN$"),
        7 => base.eq_ignore_ascii_case("CONOUT$"),
        _ => false,
    }
}

/// Whether a component is a reserved device name (`NUL`, `nul.txt`,
/// `COM1 .tar.gz`, `LPT\u{b9}`).
pub fn is_reserved(component: &str) -> bool {
    let base = component.split('.').next().unwrap_or("");
    reserved_base(base.trim_end_matches(' '))
}

/// The first problem of one path component, if it has one.
pub fn component_problem(component: &str) -> Option<WinProblem> {
    if let Some(c) = component.chars().find(|c| FORBIDDEN.contains(c)) {
        return Some(WinProblem::Character(c));
    }
    if component.ends_with(['.', ' ']) {
        return Some(WinProblem::TrailingDotOrSpace);
    }
    is_reserved(component).then_some(WinProblem::ReservedName)
}

/// The first problem of a `/`-separated name (a trailing `/` is not a
/// component, and `.` and `..` are traversal, refused as such).
pub fn name_problem(name: &str) -> Option<WinProblem> {
    let name = name.strip_suffix('/').unwrap_or(name);
    name.split('/')
        .filter(|c| !matches!(*c, "." | ".."))
        .find_map(component_problem)
}

/// A name as Windows would store it: every component without its trailing
/// dots and spaces, and no trailing `/` (`a./b ` and `a/b` are one file,
/// `x` and `x/` one path). Case and normal form are folded elsewhere
/// ([`crate::bundle::layout::fold`]).
pub fn strip(name: &str) -> std::borrow::Cow<'_, str> {
    let needs = name.ends_with(['/', '.', ' ']) || name.contains("./") || name.contains(" /");
    if !needs {
        return std::borrow::Cow::Borrowed(name);
    }
    let name = name.strip_suffix('/').unwrap_or(name);
    let parts: Vec<&str> = name
        .split('/')
        .map(|c| c.trim_end_matches(['.', ' ']))
        .collect();
    std::borrow::Cow::Owned(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_in_every_spelling() {
        for n in [
            "CON",
            "con",
            "Prn",
            "aux",
            "NUL",
            "nul.txt",
            "NUL.tar.gz",
            "COM1",
            "com9",
            "LPT1",
            "lpt0",
            "COM\u{b9}",
            "lpt\u{b2}",
            "COM\u{b3}.log",
            "NUL .txt",
            "conin$",
            "CONOUT$",
        ] {
            assert!(is_reserved(n), "{n}");
            assert_eq!(component_problem(n), Some(WinProblem::ReservedName), "{n}");
        }
        for n in [
            "CONSOLE",
            "nul_",
            "COM10",
            "COM",
            "LPT",
            "xNUL",
            "com\u{b4}",
            "a.NUL",
            "COM1x",
        ] {
            assert!(!is_reserved(n), "{n}");
        }
    }

    #[test]
    fn trailing_dots_spaces_and_characters() {
        assert_eq!(
            component_problem("a."),
            Some(WinProblem::TrailingDotOrSpace)
        );
        assert_eq!(
            component_problem("a "),
            Some(WinProblem::TrailingDotOrSpace)
        );
        assert_eq!(component_problem("a:b"), Some(WinProblem::Character(':')));
        for c in ['<', '>', '"', '|', '?', '*'] {
            let n = format!("x{c}y");
            assert_eq!(component_problem(&n), Some(WinProblem::Character(c)));
        }
        assert_eq!(component_problem(".hidden"), None);
        assert_eq!(component_problem("a.b c"), None);
        assert_eq!(
            name_problem("b/data/x./y"),
            Some(WinProblem::TrailingDotOrSpace)
        );
        assert_eq!(name_problem("b/data/dir/"), None);
    }

    #[test]
    fn strip_as_windows_stores_names() {
        assert_eq!(strip("a/b"), "a/b");
        assert_eq!(strip("a./b. "), "a/b");
        assert_eq!(strip("a/b/"), "a/b");
        assert_eq!(strip("a /b"), "a/b");
        assert_eq!(strip(".x"), ".x");
    }
}
