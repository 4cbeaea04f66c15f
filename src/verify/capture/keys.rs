//! The keys a capture's signatures are checked with: the files of the
//! capture's own `keys/` folder (the capturing key's public key and
//! certificate, as `evidentia capture` copies them) and the bundle's
//! `keys/`. They are hints that find a key and a certificate chain; trust
//! comes only from the trust store. Each file is read within
//! [`MAX_KEY_FILE`] and all of them within [`MAX_KEY_FILES_TOTAL`].

use super::{Inputs, One};
use crate::bundle::layout;
use crate::verify::{BundledKeys, MAX_KEY_FILE, MAX_KEY_FILES_TOTAL};

/// Key files: (member name relative to the bag, bytes).
pub(super) type Keys = Vec<(String, Vec<u8>)>;

/// The bundle's `keys/` files that can be read within the caps (custody's
/// check reports the others).
pub(super) fn bundle_keys(inputs: &Inputs<'_>) -> Keys {
    let (archive, bag) = (inputs.archive, inputs.bag);
    let mut total = 0u64;
    let mut out = Vec::new();
    let members = bag
        .members(archive)
        .skip_while(|(r, _)| r.as_str() < layout::KEYS_DIR)
        .take_while(|(r, _)| r.starts_with(layout::KEYS_DIR));
    for (rel, e) in members {
        if e.size > MAX_KEY_FILE || total + e.size > MAX_KEY_FILES_TOTAL {
            continue;
        }
        if let Ok(bytes) = archive.read_small(&e, MAX_KEY_FILE) {
            total += bytes.len() as u64;
            out.push((rel, bytes));
        }
    }
    out
}

/// The capture's listed key files (each under its `keys/`, read within
/// the caps, a finding otherwise), then the bundle's.
pub(super) fn capture_keys(one: &mut One<'_, '_>, bundle: &Keys) -> BundledKeys {
    let dir = format!("{}{}/", one.dir, crate::model::capture::KEYS_DIR);
    let mut total: u64 = bundle.iter().map(|(_, b)| b.len() as u64).sum();
    let mut files = Vec::new();
    for rel in one.entry.keys.clone() {
        if !rel.starts_with(dir.as_str()) || rel.len() == dir.len() {
            let here = format!("{} keys", one.here);
            one.differs(
                &here,
                "a key file outside the capture's keys/",
                dir.clone(),
                rel,
            );
            continue;
        }
        let Some(bytes) = one.read_small(&rel, "the key file", MAX_KEY_FILE) else {
            continue;
        };
        total += bytes.len() as u64;
        if total > MAX_KEY_FILES_TOTAL {
            one.complete = false;
            one.note(
                &rel,
                format!("key files past {MAX_KEY_FILES_TOTAL} bytes in all: not read"),
            );
            break;
        }
        files.push((rel, bytes));
    }
    files.extend(bundle.iter().cloned());
    BundledKeys::new(files)
}
