//! What can be wrong with a zip entry or with bytes of the file that no
//! entry owns, as the reader reports it ([`super::read`]): each issue
//! becomes one `container` finding, and the entry it names is never read.

use super::winname::WinProblem;

/// At most this many container issues are listed (every unsafe entry is
/// still marked; the rest are counted in one [`IssueKind::More`]).
pub const MAX_ISSUES: usize = 10_000;

/// At most this many bytes of names are listed with the issues (a name can
/// be 64 KiB long: 10,000 of them would be 640 MiB); past it, issues are
/// counted like those past [`MAX_ISSUES`].
pub const MAX_ISSUE_BYTES: usize = 8 << 20;

/// A header field every entry carries with one value (see
/// [`IssueKind::HeaderValue`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderField {
    /// "Version made by" (central header).
    MadeBy,
    /// "Version needed to extract" (central header).
    VersionNeeded,
    /// The local header's "version needed", against the central one.
    LocalVersionNeeded,
    /// Internal file attributes (bit 0 makes `unzip -a` rewrite line ends).
    InternalAttributes,
    /// External file attributes (Unix mode and type, MS-DOS attributes).
    ExternalAttributes,
    /// The local header's DOS modification time, against the central one.
    LocalTime,
}

impl HeaderField {
    fn name(self) -> &'static str {
        match self {
            HeaderField::MadeBy => "version made by",
            HeaderField::VersionNeeded => "version needed",
            HeaderField::LocalVersionNeeded => "local header's version needed",
            HeaderField::InternalAttributes => "internal attributes",
            HeaderField::ExternalAttributes => "external attributes",
            HeaderField::LocalTime => "local header's modification time",
        }
    }

    /// A value of this field as people read it.
    fn show(self, v: u32) -> String {
        match self {
            HeaderField::MadeBy => format!("{v:#06x}"),
            HeaderField::VersionNeeded | HeaderField::LocalVersionNeeded => v.to_string(),
            HeaderField::InternalAttributes => format!("{v:#06x}"),
            HeaderField::ExternalAttributes => format!("{v:#010x} (mode {:o})", v >> 16),
            HeaderField::LocalTime => super::write::DosTime {
                time: v as u16,
                date: (v >> 16) as u16,
            }
            .to_string(),
        }
    }
}

/// What is wrong with one entry (or a byte range of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// Name not valid UTF-8.
    NameNotUtf8,
    /// Absolute path (or drive letter).
    AbsolutePath,
    /// `..`, `.` or an empty component.
    Traversal,
    /// A backslash.
    Backslash,
    /// NUL or another control character.
    ControlCharacter,
    /// A name Windows cannot carry (trailing dot or space, device name,
    /// `:` or another forbidden character).
    WindowsName(WinProblem),
    /// The same name twice.
    Duplicate,
    /// Same name as another but for case, normal form, trailing dots,
    /// spaces or a trailing `/`.
    CaseCollision(String),
    /// A directory entry (a name ending in `/`, or directory attributes).
    Directory,
    /// A symbolic link entry.
    Symlink,
    /// Another special file type (device, FIFO, ...).
    SpecialFile(u32),
    /// External attributes that are not those of a regular file: (host
    /// system, attributes).
    NotAFile(u8, u32),
    /// Encrypted.
    Encrypted,
    /// General-purpose flags outside the allowed set (bits 3 and 11).
    Flags(u16),
    /// A name that is not ASCII without the UTF-8 flag (bit 11): other
    /// tools would read it as code page 437, another name.
    NameEncoding,
    /// An extra field other than ZIP64: (header id, in the local header).
    ExtraField(u16, bool),
    /// Extra field bytes that do not frame as fields, or a ZIP64 field of
    /// the wrong length.
    MalformedExtra(&'static str),
    /// A file comment in the central directory (bytes nobody reads).
    Comment(u16),
    /// A disk number other than 0.
    DiskNumber(u16),
    /// A method other than stored or deflate.
    UnsupportedMethod(u16),
    /// Local header missing or disagreeing with the central one.
    HeaderMismatch(&'static str),
    /// The data descriptor (flag bit 3) missing or disagreeing with the
    /// central directory.
    DescriptorMismatch(&'static str),
    /// The local header offset lies outside the file.
    HeaderOutside {
        /// Declared offset of the local header.
        offset: u64,
        /// The file's length.
        len: u64,
    },
    /// Data reaches outside the file or into the directory.
    OutOfBounds {
        /// Where the data starts.
        offset: u64,
        /// Declared compressed size.
        size: u64,
        /// Where entry data must end (the central directory's offset).
        end: u64,
    },
    /// Data overlaps another entry's.
    Overlap(String),
    /// Bytes that belong to no entry and are not an earlier central
    /// directory an append left behind.
    Unaccounted {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
        /// What they failed to be.
        reason: &'static str,
    },
    /// A header field that is not what evidentia writes (`field`,
    /// expected, actual): version made by or needed, attributes, or a
    /// local value that differs from the central one.
    HeaderValue(HeaderField, u32, u32),
    /// More issues than `MAX_ISSUES`: how many were not listed.
    More(u64),
    /// Declared sizes impossible for the method.
    ImplausibleSize {
        /// Declared compressed size.
        compressed: u64,
        /// Declared uncompressed size.
        size: u64,
    },
}

impl std::fmt::Display for IssueKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IssueKind::NameNotUtf8 => write!(f, "entry name is not UTF-8"),
            IssueKind::AbsolutePath => write!(f, "absolute path"),
            IssueKind::Traversal => write!(f, "path traversal ('..', '.' or empty component)"),
            IssueKind::Backslash => write!(f, "backslash in name"),
            IssueKind::ControlCharacter => write!(f, "NUL or control character in name"),
            IssueKind::WindowsName(p) => write!(f, "name Windows cannot carry: {p}"),
            IssueKind::Duplicate => write!(f, "duplicate entry name"),
            IssueKind::CaseCollision(o) => write!(
                f,
                "name collides with {o:?} ignoring case (or Unicode normal form, trailing dots, spaces or '/')"
            ),
            IssueKind::Directory => write!(f, "directory entry (a bundle holds only files)"),
            IssueKind::Symlink => write!(f, "symbolic link entry"),
            IssueKind::SpecialFile(m) => write!(f, "special file entry (mode {m:o})"),
            IssueKind::NotAFile(host, a) => write!(
                f,
                "external attributes {a:#010x} (host system {host}) are not those of a regular file"
            ),
            IssueKind::Encrypted => write!(f, "encrypted entry"),
            IssueKind::Flags(x) => write!(
                f,
                "general-purpose flags {x:#06x} (only bits 3 and 11 are allowed)"
            ),
            IssueKind::NameEncoding => write!(
                f,
                "name is not ASCII but the UTF-8 flag (bit 11) is not set: other tools read another name"
            ),
            IssueKind::ExtraField(id, local) => write!(
                f,
                "extra field {id:#06x} in the {} header (only ZIP64, 0x0001, is allowed)",
                if *local { "local" } else { "central" }
            ),
            IssueKind::MalformedExtra(w) => write!(f, "malformed extra field: {w}"),
            IssueKind::Comment(n) => write!(f, "entry carries a comment of {n} bytes"),
            IssueKind::DiskNumber(n) => write!(f, "entry is on disk {n} (only 0 exists)"),
            IssueKind::UnsupportedMethod(m) => write!(f, "unsupported compression method {m}"),
            IssueKind::HeaderMismatch(w) => {
                write!(f, "local header disagrees with central directory: {w}")
            }
            IssueKind::DescriptorMismatch(w) => {
                write!(f, "data descriptor: {w}")
            }
            IssueKind::HeaderOutside { offset, len } => write!(
                f,
                "local header offset {offset} lies outside the file ({len} bytes)"
            ),
            IssueKind::OutOfBounds { offset, size, end } => write!(
                f,
                "entry data ({size} compressed bytes at offset {offset}) runs past the end of the entry data area at {end}"
            ),
            IssueKind::Overlap(o) => write!(f, "entry data overlaps {o:?}"),
            IssueKind::Unaccounted { start, end, reason } => write!(
                f,
                "{} bytes at {start}..{end} belong to no entry and are not an earlier central directory: {reason}",
                end - start
            ),
            IssueKind::HeaderValue(field, want, got) => write!(
                f,
                "{} is {}, expected {} ({})",
                field.name(),
                field.show(*got),
                field.show(*want),
                match field {
                    HeaderField::LocalVersionNeeded | HeaderField::LocalTime =>
                        "the central directory's",
                    _ => "what evidentia writes",
                }
            ),
            IssueKind::More(n) => write!(f, "{n} more problems with entries, not listed"),
            IssueKind::ImplausibleSize { compressed, size } => {
                write!(
                    f,
                    "declared size {size} impossible from {compressed} compressed bytes"
                )
            }
        }
    }
}

/// A problem with one entry of the container (or, for
/// [`IssueKind::Unaccounted`], with a byte range named `bytes A..B`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerIssue {
    /// The entry's name (lossy), or the byte range.
    pub name: String,
    /// What is wrong.
    pub kind: IssueKind,
}

/// Issues as they are found: the first [`MAX_ISSUES`] listed, every
/// entry with one remembered (to mark it unsafe).
#[derive(Default)]
pub(super) struct Issues {
    pub(super) list: Vec<ContainerIssue>,
    /// The bytes of the names listed.
    bytes: usize,
    pub(super) at: Vec<u32>,
    pub(super) more: u64,
}

impl Issues {
    /// An issue with entry `index`, which becomes unsafe.
    pub(super) fn add(
        &mut self,
        index: usize,
        name: impl FnOnce() -> String,
        kind: impl FnOnce() -> IssueKind,
    ) {
        self.at.push(index as u32);
        self.list_one(name, kind);
    }

    /// Bytes `start..end` that no entry owns.
    pub(super) fn unaccounted(&mut self, start: u64, end: u64, reason: &'static str) {
        self.list_one(
            || format!("bytes {start}..{end}"),
            || IssueKind::Unaccounted { start, end, reason },
        );
    }

    fn list_one(&mut self, name: impl FnOnce() -> String, kind: impl FnOnce() -> IssueKind) {
        if self.list.len() < MAX_ISSUES && self.bytes < MAX_ISSUE_BYTES {
            let name = name();
            if self.bytes + name.len() <= MAX_ISSUE_BYTES {
                self.bytes += name.len();
                self.list.push(ContainerIssue { name, kind: kind() });
                return;
            }
            // Full: no name fits any more.
            self.bytes = MAX_ISSUE_BYTES;
        }
        self.more += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issues with 64 KiB names are listed up to the byte budget, then
    /// counted; every entry is still marked.
    #[test]
    fn long_names_are_listed_within_the_byte_budget() {
        let mut issues = Issues::default();
        for i in 0..1_000usize {
            issues.add(
                i,
                || format!("{i:04}{}", "x".repeat(65_531)),
                || IssueKind::Symlink,
            );
        }
        issues.add(1_000, || "short".into(), || IssueKind::Symlink);
        let listed = issues.list.len();
        assert!((100..1_000).contains(&listed), "{listed}");
        let bytes: usize = issues.list.iter().map(|i| i.name.len()).sum();
        assert!(bytes <= MAX_ISSUE_BYTES);
        assert!(issues.list.iter().all(|i| i.name != "short"));
        assert_eq!(issues.more, 1_001 - listed as u64);
        assert_eq!(issues.at.len(), 1_001);
    }
}
