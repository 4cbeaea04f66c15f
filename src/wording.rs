//! Counted nouns for human output ("1 file", "2 files"): one rule, used by
//! every command and the reports, so that no output says "1 files".

/// `n` followed by `noun` in the singular when `n` is 1 and in the plural
/// otherwise. The plural follows the regular English rules, which cover
/// every noun evidentia counts: "entry" → "entries", "match" → "matches",
/// "byte" → "bytes".
pub fn count(n: impl Counted, noun: &str) -> String {
    let n = n.get();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {}", plural(noun))
    }
}

/// A number of things: every unsigned integer type.
pub trait Counted {
    /// The number as a `u64` (every count evidentia keeps fits).
    fn get(self) -> u64;
}

macro_rules! counted {
    ($($t:ty),*) => {$(
        impl Counted for $t {
            fn get(self) -> u64 {
                // Lossless: no supported target has a usize wider than 64 bits.
                self as u64
            }
        }
    )*};
}
counted!(u8, u16, u32, u64, usize);

/// The regular English plural of `noun`.
pub fn plural(noun: &str) -> String {
    let consonant_y = noun.ends_with('y')
        && !noun.ends_with("ay")
        && !noun.ends_with("ey")
        && !noun.ends_with("oy")
        && !noun.ends_with("uy");
    if consonant_y {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if ["s", "x", "ch", "sh"].iter().any(|e| noun.ends_with(e)) {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(1u64, "file"), "1 file");
        assert_eq!(count(0u64, "file"), "0 files");
        assert_eq!(count(2u32, "entry"), "2 entries");
        assert_eq!(count(1u8, "entry"), "1 entry");
        assert_eq!(count(3u64, "match"), "3 matches");
        assert_eq!(count(5u64, "key"), "5 keys");
        assert_eq!(count(7usize, "custody event"), "7 custody events");
        assert_eq!(count(1u64, "byte"), "1 byte");
    }
}
