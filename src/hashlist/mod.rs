//! Hash lists: the text formats other tools read and write (`sha256sum`,
//! `b3sum`, BSD tagged lines, hashdeep), and checking files against them.
//!
//! Writers produce bytes identical to the peer tools'; readers never panic
//! and report unreadable lines with their numbers.

mod check;
mod format;
mod parse;

pub use check::{CheckOutcome, CheckStatus, Mismatch, check_list};
pub use format::{
    EscapeStyle, HASHDEEP_ALGORITHMS, HashdeepNameError, escape_name, hashdeep_header,
    hashdeep_line, sums_line, tagged_line,
};
pub use parse::{HashList, LineProblem, ListEntry, ListKind, parse_list};
