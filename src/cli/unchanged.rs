//! One check for every command that verifies a bundle and then reads or
//! writes it again (`report`, `custody add`, `receive`): the file must
//! still be the one that verified, so that a verdict never goes with the
//! bytes of another file put in its place meanwhile.

use super::error::CliError;
use super::output::display_path;
use evidentia::locker::{LockerError, Snapshot};
use std::path::Path;

/// `Ok` when `bundle` is still the file `snapshot` took, unchanged;
/// otherwise an error saying it changed `during` what, with `hint`.
pub fn unchanged(
    snapshot: &Result<Snapshot, LockerError>,
    bundle: &Path,
    during: &str,
    hint: &str,
) -> Result<(), CliError> {
    let what = match snapshot.as_ref().map(Snapshot::check) {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(LockerError::Changed { what, .. })) => what,
        Ok(Err(e)) => e.to_string(),
        // Verify read it, so it could be opened: it is not the same file.
        Err(e) => e.to_string(),
    };
    Err(CliError::op(format!(
        "{} changed {during} ({what})",
        display_path(bundle)
    ))
    .hint(hint))
}
