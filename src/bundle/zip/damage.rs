//! What is wrong with a file that starts as a bundle but cannot be opened:
//! one diagnosis, with the byte where the damage is.
//!
//! A file *starts as a bundle* when it begins with a zip local header
//! whose name, as far as the file holds it, is a member of a bag
//! (`<bag>/...`). When such a file does not open, [`diagnose`] walks it
//! from byte 0 the way evidentia writes it (docs/formats/bundle.md): local
//! entries (header, name, ZIP64 extra, data), a central directory of one
//! header per entry, its end records, and after an append more entries and
//! another directory. The first place where the file departs from that
//! shape is the diagnosis:
//! - it ends early: "truncated at byte N", and "of an expected M" when the
//!   walk knows M (the cut is in a central directory or its end records,
//!   whose sizes follow from the local headers before them); when the cut
//!   is in an entry or between entries, the length is not knowable, since
//!   only the central directory records how many entries there were;
//! - every byte from some point to the end is zero (a zero-filled tail);
//! - the bytes where a header or end record must be are something else.
//!
//! The walk reads headers only, in a sliding window, and keeps one number
//! per entry (the length its central header must have). It never guesses:
//! when the file does not follow evidentia's shape (another tool wrote it,
//! data descriptors), it says what the reader found and where it could.

use super::central::resolve64;
use super::write::end_records;
use super::{read_exact_at, u16_at, u32_at};
use std::fmt;
use std::fs::File;
use std::io;

const LOCAL_SIG: [u8; 4] = *b"PK\x03\x04";
const CENTRAL_SIG: [u8; 4] = *b"PK\x01\x02";

/// Where in the file damage was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The local header (and name) of entry `entry` (1-based).
    LocalHeader {
        /// The entry's number, 1-based, in file order.
        entry: u64,
        /// Its name, when the file holds all of it.
        name: Option<String>,
    },
    /// The data of entry `entry`, which must end at `end`.
    Data {
        /// The entry's number, 1-based.
        entry: u64,
        /// Its name.
        name: String,
        /// Where its data ends.
        end: u64,
    },
    /// Right after entry `after`: the next entry or a central directory
    /// must start here.
    Boundary {
        /// How many entries precede.
        after: u64,
    },
    /// The central directory header of entry `entry` of `of`.
    Central {
        /// The header's number, 1-based.
        entry: u64,
        /// How many headers the directory must hold.
        of: u64,
    },
    /// The end records of the directory before them, `start..end`.
    EndRecords {
        /// Where they start.
        start: u64,
        /// Where they must end.
        end: u64,
    },
}

impl fmt::Display for Place {
    /// The place with its preposition: "inside the data of entry 2 ...".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::LocalHeader { entry, name: None } => {
                write!(f, "inside the local header of entry {entry}")
            }
            Place::LocalHeader {
                entry,
                name: Some(n),
            } => write!(f, "inside the local header of entry {entry} ({n:?})"),
            Place::Data { entry, name, end } => write!(
                f,
                "inside the data of entry {entry} ({name:?}, which ends at byte {end})"
            ),
            Place::Boundary { after } => write!(
                f,
                "right after entry {after}, where the next entry or the central directory starts"
            ),
            Place::Central { entry, of } => {
                write!(f, "inside header {entry} of {of} of the central directory")
            }
            Place::EndRecords { start, end } => write!(
                f,
                "inside the end of central directory records (bytes {start}..{end})"
            ),
        }
    }
}

/// What the damage is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DamageKind {
    /// The file ends inside `place`; `expected` is the length it must
    /// have, when that can be known.
    Truncated {
        /// The length the walk says the file must have.
        expected: Option<u64>,
    },
    /// Every byte from `from` to the end of the file is zero; the walk
    /// met the zeros at `place`.
    Zeroed {
        /// The first byte of the zero-filled tail.
        from: u64,
    },
    /// The bytes at `at` are not what `place` must hold.
    Corrupt {
        /// Where.
        at: u64,
        /// What is there instead.
        reason: String,
    },
}

/// The diagnosis of a damaged bundle (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file's length.
    pub len: u64,
    /// What is wrong; `None` when the walk found the file in shape and
    /// only the reader's own reason (`reason`) is known.
    pub kind: Option<(DamageKind, Place)>,
    /// What the reader found wrong when it tried to open the file.
    pub reason: String,
}

impl Damage {
    /// The length the file must have, when it is truncated and that can
    /// be known.
    pub fn expected_len(&self) -> Option<u64> {
        match &self.kind {
            Some((DamageKind::Truncated { expected }, _)) => *expected,
            _ => None,
        }
    }

    /// Whether the file ends early.
    pub fn is_truncated(&self) -> bool {
        matches!(self.kind, Some((DamageKind::Truncated { .. }, _)))
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.len;
        f.write_str("damaged bundle: ")?;
        match &self.kind {
            Some((DamageKind::Truncated { expected: Some(m) }, p)) => {
                write!(f, "truncated at byte {n} of an expected {m}, {p}")
            }
            Some((DamageKind::Truncated { expected: None }, p)) => write!(
                f,
                "truncated at byte {n}, {p}; the expected length cannot be known \
                 (the central directory that would tell it is cut off)"
            ),
            Some((DamageKind::Zeroed { from }, p)) => write!(
                f,
                "the last {} bytes, from byte {from} to the end, are all zero (overwritten; noticed {p})",
                n - from
            ),
            Some((DamageKind::Corrupt { at, reason }, p)) => {
                write!(f, "byte {at}, {p}: {reason} ({})", self.reason)
            }
            None => write!(f, "{} (a file of {n} bytes)", self.reason),
        }
    }
}

/// Whether the file starts as a bundle: a local header at byte 0 whose
/// name, as far as the file holds it, is `<bag>/...` (a cut before the
/// first `/` still reads as one, if nothing before the cut says
/// otherwise).
pub(super) fn starts_as_bundle(file: &File, len: u64) -> bool {
    let Some((name, whole)) = first_name(file, len) else {
        return false;
    };
    match name.iter().position(|&b| b == b'/') {
        Some(i) => i > 0,
        // No `/` in what the file holds: a bag member only if cut before it.
        None => !whole,
    }
}

/// The name of the local header at byte 0 as far as the file holds it,
/// and whether that is all of it; `None` without a local header there.
fn first_name(file: &File, len: u64) -> Option<(Vec<u8>, bool)> {
    let head = read_exact_at(file, len, 0, len.min(30) as usize).ok()?;
    if head.len() < 4 || head[..4] != LOCAL_SIG {
        return None;
    }
    if head.len() < 30 {
        return Some((Vec::new(), false));
    }
    let name_len = u16_at(&head, 26) as u64;
    let held = read_exact_at(file, len, 30, name_len.min(len - 30) as usize).ok()?;
    let whole = held.len() as u64 == name_len;
    Some((held, whole))
}

/// The diagnosis of a file that starts as a bundle and that the reader
/// refused, for `reason`.
pub(super) fn diagnose(file: &File, len: u64, reason: String) -> Damage {
    let kind = Walk::new(file, len).run().ok().flatten();
    let kind = kind.map(|(k, p)| match k {
        DamageKind::Corrupt { at, reason } => match zero_tail(file, len) {
            // Zeros from the damaged byte on: that is the damage.
            Ok(from) if from < len && from <= at => (DamageKind::Zeroed { from }, p),
            _ => (DamageKind::Corrupt { at, reason }, p),
        },
        other => (other, p),
    });
    Damage { len, kind, reason }
}

/// Where the run of zero bytes that ends the file starts (`len` when the
/// last byte is not zero).
fn zero_tail(file: &File, len: u64) -> io::Result<u64> {
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(1 << 20);
        let buf = read_exact_at(file, len, start, (end - start) as usize)?;
        match buf.iter().rposition(|&b| b != 0) {
            Some(i) => return Ok(start + i as u64 + 1),
            None => end = start,
        }
    }
    Ok(0)
}

/// Outcome of one step of the walk: carry on at a position, or stop with
/// the damage found (or with `None`: the file is in shape to its end).
enum Step {
    At(u64),
    Found(Option<(DamageKind, Place)>),
}

/// The walk over the file (see the module docs).
struct Walk<'a> {
    file: &'a File,
    len: u64,
    window: Vec<u8>,
    window_at: u64,
    /// Whether every entry so far is in evidentia's shape (then
    /// `central_lens` and `central_size` hold).
    shaped: bool,
    /// Per entry so far: the length its central header must have.
    central_lens: Vec<u32>,
    /// Their sum: the size of a directory of the entries so far.
    central_size: u64,
    entries: u64,
}

impl<'a> Walk<'a> {
    fn new(file: &'a File, len: u64) -> Walk<'a> {
        Walk {
            file,
            len,
            window: Vec::new(),
            window_at: 0,
            shaped: true,
            central_lens: Vec::new(),
            central_size: 0,
            entries: 0,
        }
    }

    /// Up to `n` bytes at `pos` (fewer where the file ends).
    fn bytes(&mut self, pos: u64, n: usize) -> io::Result<&[u8]> {
        let want = (n as u64).min(self.len.saturating_sub(pos)) as usize;
        let have =
            pos >= self.window_at && pos + want as u64 <= self.window_at + self.window.len() as u64;
        if !have {
            let size = want
                .max(256 << 10)
                .min((self.len - pos.min(self.len)) as usize);
            self.window = read_exact_at(self.file, self.len, pos, size)?;
            self.window_at = pos;
        }
        let from = (pos - self.window_at) as usize;
        Ok(&self.window[from..from + want])
    }

    fn run(mut self) -> io::Result<Option<(DamageKind, Place)>> {
        let mut pos = 0;
        loop {
            let step = if pos == self.len {
                self.cut(Place::Boundary {
                    after: self.entries,
                })
            } else {
                let sig = self.bytes(pos, 4)?.to_vec();
                if LOCAL_SIG.starts_with(&sig) && !CENTRAL_SIG.starts_with(&sig) {
                    self.local(pos)?
                } else if CENTRAL_SIG.starts_with(&sig) && !LOCAL_SIG.starts_with(&sig) {
                    self.directory(pos)?
                } else if sig.len() < 4 {
                    self.cut(Place::Boundary {
                        after: self.entries,
                    })
                } else {
                    Step::Found(Some((
                        corrupt(
                            pos,
                            &sig,
                            "are not a local header or a central directory header",
                        ),
                        Place::Boundary {
                            after: self.entries,
                        },
                    )))
                }
            };
            match step {
                Step::At(p) => pos = p,
                Step::Found(d) => return Ok(d),
            }
        }
    }

    fn cut(&self, place: Place) -> Step {
        Step::Found(Some((DamageKind::Truncated { expected: None }, place)))
    }

    /// One local entry at `pos`: header, name, extra field and data.
    fn local(&mut self, pos: u64) -> io::Result<Step> {
        let entry = self.entries + 1;
        let h = self.bytes(pos, 30)?.to_vec();
        let header = |name| Place::LocalHeader { entry, name };
        if h.len() < 30 {
            return Ok(self.cut(header(None)));
        }
        let (nl, el) = (u16_at(&h, 26) as usize, u16_at(&h, 28) as usize);
        let rest = self.bytes(pos + 30, nl + el)?.to_vec();
        let name = (rest.len() >= nl).then(|| String::from_utf8_lossy(&rest[..nl]).into_owned());
        if rest.len() < nl + el {
            return Ok(self.cut(header(name)));
        }
        let name = name.unwrap_or_default();
        if u16_at(&h, 6) & (1 << 3) != 0 {
            // Its data's length is only in the central directory.
            return Ok(Step::Found(None));
        }
        let extra = &rest[nl..];
        let (mut size, mut csize) = (u64::from(u32_at(&h, 22)), u64::from(u32_at(&h, 18)));
        let marked = (size == 0xFFFF_FFFF, csize == 0xFFFF_FFFF);
        if let Err(why) = resolve64(extra, &mut [(&mut size, marked.0), (&mut csize, marked.1)]) {
            let at = pos + 30 + nl as u64;
            return Ok(Step::Found(Some((
                DamageKind::Corrupt {
                    at,
                    reason: why.to_string(),
                },
                header(Some(name)),
            ))));
        }
        let data = pos + 30 + (nl + el) as u64;
        let end = data.saturating_add(csize);
        self.entries = entry;
        let zip64 = marked.0 || marked.1;
        let shaped = el == 0 || (el == 20 && zip64);
        let big_offset = pos >= 0xFFFF_FFFF;
        let extra_len = match (zip64, big_offset) {
            (false, false) => 0,
            (true, false) => 20,
            (false, true) => 12,
            (true, true) => 28,
        };
        self.shaped &= shaped;
        if self.shaped {
            let len = 46 + nl as u32 + extra_len;
            self.central_lens.push(len);
            self.central_size += u64::from(len);
        }
        if end > self.len {
            return Ok(self.cut(Place::Data { entry, name, end }));
        }
        Ok(Step::At(end))
    }

    /// A central directory at `start` and its end records; where they
    /// end when more follows (an append).
    fn directory(&mut self, start: u64) -> io::Result<Step> {
        let of = self.entries;
        // The length the file must have if this directory is the last.
        let size = self.central_size;
        let full = self
            .shaped
            .then(|| start + size + end_records(start + size, of, start, size).len() as u64);
        let mut pos = start;
        for k in 0..of {
            let place = Place::Central { entry: k + 1, of };
            let h = self.bytes(pos, 46)?.to_vec();
            let cut = Step::Found(Some((
                DamageKind::Truncated { expected: full },
                place.clone(),
            )));
            if h.len() < 4 && CENTRAL_SIG.starts_with(&h) {
                return Ok(cut);
            }
            if h[..4.min(h.len())] != CENTRAL_SIG {
                return Ok(found(
                    corrupt(pos, &h, "are not a central directory header"),
                    place,
                ));
            }
            if h.len() < 46 {
                return Ok(cut);
            }
            let hl = 46 + u16_at(&h, 28) as u64 + u16_at(&h, 30) as u64 + u16_at(&h, 32) as u64;
            let want = self.central_lens.get(k as usize).filter(|_| self.shaped);
            if let Some(want) = want
                && hl != u64::from(*want)
            {
                let why = format!(
                    "the header's lengths make it {hl} bytes long, but the local header of its entry requires {want}"
                );
                // The bytes of its lengths are what is wrong.
                let at = pos + 28;
                return Ok(found(DamageKind::Corrupt { at, reason: why }, place));
            }
            if pos + hl > self.len {
                return Ok(cut);
            }
            pos += hl;
        }
        self.end_records(start, pos)
    }

    /// The end records after the directory `start..cd_end`, compared with
    /// the ones evidentia writes for it.
    fn end_records(&mut self, start: u64, cd_end: u64) -> io::Result<Step> {
        let want = end_records(cd_end, self.entries, start, cd_end - start);
        let end = cd_end + want.len() as u64;
        let place = Place::EndRecords { start: cd_end, end };
        let have = self.bytes(cd_end, want.len())?.to_vec();
        if let Some(i) = have.iter().zip(&want).position(|(a, b)| a != b) {
            if !self.shaped {
                // Another tool's end records may differ and be right.
                return Ok(Step::Found(None));
            }
            let at = cd_end + i as u64;
            let why = format!(
                "the end records differ from those the directory at {start}..{cd_end} requires"
            );
            return Ok(found(DamageKind::Corrupt { at, reason: why }, place));
        }
        if have.len() < want.len() {
            return Ok(found(
                DamageKind::Truncated {
                    expected: Some(end),
                },
                place,
            ));
        }
        if end == self.len {
            return Ok(Step::Found(None));
        }
        Ok(Step::At(end))
    }
}

fn found(kind: DamageKind, place: Place) -> Step {
    Step::Found(Some((kind, place)))
}

/// The bytes at `at` (`sig` starts them) are not what must be there.
fn corrupt(at: u64, sig: &[u8], what: &str) -> DamageKind {
    let hex: Vec<String> = sig.iter().take(4).map(|b| format!("{b:02x}")).collect();
    DamageKind::Corrupt {
        at,
        reason: format!("the bytes there ({}) {what}", hex.join(" ")),
    }
}
