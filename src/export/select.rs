//! Which payload files an export discloses: glob patterns (`--select`)
//! matched against bag paths below `data/`, or an exact list of paths
//! (`--files-from`). Each pattern or listed path must select at least one
//! file; the first that selects none is named ([`Selector::unmatched`]).
//!
//! Patterns: `*` matches any run of characters but `/`, `?` one character
//! but `/`, `**` any run including `/` (and `**/` zero or more whole
//! directories); every other character stands for itself. Bag paths never
//! hold `*` or `?` (they are escaped, docs/formats/bundle.md "Names"), so
//! no escape is needed.

use crate::bundle::layout::DATA_DIR;
use std::collections::HashMap;

/// What to disclose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Glob patterns over bag paths below `data/`.
    Patterns(Vec<String>),
    /// Exact bag paths, each relative to `data/` or with its `data/`
    /// prefix.
    Paths(Vec<String>),
}

impl Selection {
    /// The paths of a `--files-from` list: one per line (LF or CRLF),
    /// blank lines skipped.
    pub fn from_list(text: &str) -> Selection {
        Selection::Paths(
            text.lines()
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect(),
        )
    }
}

/// A [`Selection`] being applied to a bundle's files in order.
#[derive(Debug)]
pub struct Selector {
    how: How,
    /// Per pattern or listed path: whether it selected a file.
    hits: Vec<bool>,
    /// The patterns or paths as given.
    given: Vec<String>,
}

#[derive(Debug)]
enum How {
    Globs(Vec<Glob>),
    /// Bag path (`data/...`) to the index of the line that named it.
    Paths(HashMap<String, usize>),
}

impl Selector {
    /// A selector for `selection`. An empty selection, an empty pattern
    /// or path is refused with its description.
    pub fn new(selection: &Selection) -> Result<Selector, String> {
        let (how, given) = match selection {
            Selection::Patterns(p) => (How::Globs(p.iter().map(|p| Glob::new(p)).collect()), p),
            Selection::Paths(p) => {
                let mut map = HashMap::new();
                for (i, line) in p.iter().enumerate() {
                    map.entry(bag_path(line)).or_insert(i);
                }
                (How::Paths(map), p)
            }
        };
        if given.is_empty() {
            return Err("nothing selected: no pattern or path was given".into());
        }
        if let Some(empty) = given.iter().find(|g| g.is_empty()) {
            return Err(format!(
                "an empty pattern or path ({empty:?}) selects nothing"
            ));
        }
        Ok(Selector {
            how,
            hits: vec![false; given.len()],
            given: given.clone(),
        })
    }

    /// Whether the file at bag path `path` is disclosed (and note which
    /// patterns or paths selected it).
    pub fn select(&mut self, path: &str) -> bool {
        match &self.how {
            How::Globs(globs) => {
                let Some(rel) = path.strip_prefix(DATA_DIR) else {
                    return false;
                };
                let mut any = false;
                for (i, g) in globs.iter().enumerate() {
                    if g.matches(rel) {
                        self.hits[i] = true;
                        any = true;
                    }
                }
                any
            }
            How::Paths(map) => match map.get(path) {
                Some(i) => {
                    self.hits[*i] = true;
                    true
                }
                None => false,
            },
        }
    }

    /// Forget what was selected so far (the files are gone through again).
    pub fn clear(&mut self) {
        self.hits.iter_mut().for_each(|h| *h = false);
    }

    /// The first pattern or listed path that selected nothing.
    pub fn unmatched(&self) -> Option<&str> {
        let hit = |i: usize, g: &str| {
            // A repeated line counts through its first occurrence.
            let first = match &self.how {
                How::Paths(map) => map.get(&bag_path(g)).copied().unwrap_or(i),
                How::Globs(_) => i,
            };
            self.hits[first]
        };
        self.given
            .iter()
            .enumerate()
            .find(|(i, g)| !hit(*i, g))
            .map(|(_, g)| g.as_str())
    }
}

/// A listed path as a bag path: as given when it starts with `data/`,
/// else below `data/`.
fn bag_path(line: &str) -> String {
    match line.starts_with(DATA_DIR) {
        true => line.to_string(),
        false => format!("{DATA_DIR}{line}"),
    }
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// This character.
    Lit(char),
    /// `?`: one character but `/`.
    One,
    /// `*`: any run of characters but `/`.
    Star,
    /// `**`: any run of characters.
    Any,
    /// `**/`: zero or more whole directories (a run ending in `/`).
    Dirs,
}

/// A compiled glob pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    toks: Vec<Tok>,
    /// The characters before the first wildcard: a text that does not
    /// start with them is refused at once (most paths, in a large bundle).
    prefix: String,
    /// Whether the pattern has no wildcard (then it is its prefix).
    literal: bool,
}

impl Glob {
    /// Compile `pattern` (every pattern compiles).
    pub fn new(pattern: &str) -> Glob {
        let chars: Vec<char> = pattern.chars().collect();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let tok = match chars[i] {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    i += 1;
                    if chars.get(i + 1) == Some(&'/') {
                        i += 1;
                        Tok::Dirs
                    } else {
                        Tok::Any
                    }
                }
                '*' => Tok::Star,
                '?' => Tok::One,
                c => Tok::Lit(c),
            };
            toks.push(tok);
            i += 1;
        }
        let prefix: String = toks
            .iter()
            .map_while(|t| match t {
                Tok::Lit(c) => Some(*c),
                _ => None,
            })
            .collect();
        let literal = prefix.chars().count() == toks.len();
        Glob {
            toks,
            prefix,
            literal,
        }
    }

    /// Whether the pattern matches all of `text`. Dynamic programming over
    /// (pattern position, text position), from the ends: time is the
    /// product of the two lengths whatever the pattern, never exponential.
    pub fn matches(&self, text: &str) -> bool {
        if self.literal {
            return text == self.prefix;
        }
        if !text.starts_with(&self.prefix) {
            return false;
        }
        let t: Vec<char> = text.chars().collect();
        let n = t.len();
        // next[j]: the rest of the pattern after the current token matches t[j..].
        let mut next = vec![false; n + 1];
        next[n] = true;
        let mut cur = vec![false; n + 1];
        for tok in self.toks.iter().rev() {
            // For `**/`: some k > j with t[k-1] == '/' and next[k].
            let mut dirs = false;
            for j in (0..=n).rev() {
                let c = t.get(j).copied();
                cur[j] = match *tok {
                    Tok::Lit(l) => c == Some(l) && next[j + 1],
                    Tok::One => c.is_some_and(|c| c != '/') && next[j + 1],
                    Tok::Star => next[j] || (c.is_some_and(|c| c != '/') && cur[j + 1]),
                    Tok::Any => next[j] || (c.is_some() && cur[j + 1]),
                    Tok::Dirs => {
                        if c.is_some() {
                            dirs = dirs || (c == Some('/') && next[j + 1]);
                        }
                        next[j] || (c.is_some() && dirs)
                    }
                };
            }
            std::mem::swap(&mut next, &mut cur);
        }
        next[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_documented() {
        let cases: &[(&str, &str, bool)] = &[
            ("mail/*.eml", "mail/x.eml", true),
            ("mail/*.eml", "mail/sub/x.eml", false),
            ("*.eml", "mail/x.eml", false),
            ("**/*.eml", "mail/x.eml", true),
            ("**/*.eml", "x.eml", true),
            ("**/*.eml", "a/b/c/x.eml", true),
            ("mail/**", "mail/a/b", true),
            ("mail/**", "mail", false),
            ("mail/**/x", "mail/x", true),
            ("mail/**/x", "mail/a/b/x", true),
            ("mail/**/x", "mailx", false),
            ("a?c", "abc", true),
            ("a?c", "a/c", false),
            ("a*c", "ac", true),
            ("a*c", "a/c", false),
            ("a**c", "a/b/c", true),
            ("disk/img.dd", "disk/img.dd", true),
            ("disk/img.dd", "disk/img.dd2", false),
            ("*", "", true),
            ("x", "", false),
            ("é*", "été", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(Glob::new(p).matches(t), *want, "{p} vs {t}");
        }
        // Many stars against a long miss stay fast (no backtracking).
        let long = "a".repeat(2000);
        assert!(!Glob::new(&"a*".repeat(30).replace("**", "*")).matches(&format!("{long}/")));
    }

    #[test]
    fn each_pattern_or_line_must_select_something() {
        let mut s = Selector::new(&Selection::Patterns(vec![
            "mail/*.eml".into(),
            "none/*".into(),
        ]))
        .unwrap();
        assert!(s.select("data/mail/a.eml"));
        assert!(!s.select("data/other"));
        assert!(!s.select("bag-info.txt"));
        assert_eq!(s.unmatched(), Some("none/*"));

        let list = Selection::from_list("mail/a.eml\r\n\ndata/b.txt\nmail/a.eml\n");
        assert_eq!(
            list,
            Selection::Paths(vec![
                "mail/a.eml".into(),
                "data/b.txt".into(),
                "mail/a.eml".into()
            ])
        );
        let mut s = Selector::new(&list).unwrap();
        assert!(s.select("data/mail/a.eml"));
        assert_eq!(s.unmatched(), Some("data/b.txt"));
        assert!(s.select("data/b.txt"));
        assert_eq!(s.unmatched(), None);
        assert!(Selector::new(&Selection::Paths(vec![])).is_err());
        assert!(Selector::new(&Selection::Patterns(vec![String::new()])).is_err());
    }
}
