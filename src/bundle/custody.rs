//! Adding a custody event to a sealed bundle: the next sequence number,
//! chained to the previous event file's SHA-256, bound to the bundle id
//! and the sealed tag manifest, signed, and appended (with the signer's
//! public key and certificate when the bundle lacks them) through
//! [`super::append`].
//!
//! This module does not verify the bundle: callers verify first (it needs
//! a trust store, which the library does not choose).

use super::append::{AppendError, AppendHook, append, hex_sha256};
use super::zipread::{Archive, Entry, ZipError};
use super::zipwrite::DosTime;
use super::{EventSigner, SignFailure, layout, trusted_comment};
use crate::model::{self, CUSTODY_EVENT_TYPE, CustodyEvent, EventRef, Party};
use std::collections::BTreeMap;
use std::path::Path;

/// The largest event file read back.
const MAX_EVENT: u64 = 1 << 20;

/// What to record.
#[derive(Debug, Clone, Default)]
pub struct EventOptions {
    /// The action (one of [`model::CUSTODY_ACTIONS`]).
    pub action: String,
    /// When (seconds since the epoch; the signer's clock).
    pub time: i64,
    /// The recipient of a transfer.
    pub recipient: Option<Party>,
    /// Where.
    pub location: Option<String>,
    /// Why.
    pub purpose: Option<String>,
    /// A note.
    pub note: Option<String>,
}

/// The event that was appended.
#[derive(Debug, Clone)]
pub struct AddedEvent {
    /// Its sequence number.
    pub seq: u64,
    /// Its member name (relative to the bag).
    pub name: String,
    /// The event as written.
    pub event: CustodyEvent,
    /// The new custody head.
    pub head: String,
}

/// Why an event could not be added.
#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    /// The bundle cannot be read.
    #[error("cannot read the bundle: {0}")]
    Zip(#[from] ZipError),
    /// The bundle has no bag directory or no custody events.
    #[error("not a bundle: {0}")]
    NotABundle(&'static str),
    /// An unknown action.
    #[error("unknown custody action {0:?}")]
    UnknownAction(String),
    /// A receive with no open transfer before it.
    #[error("there is no transfer waiting to be received")]
    NoOpenTransfer,
    /// Signing failed.
    #[error("cannot sign the event: {0}")]
    Sign(#[from] SignFailure),
    /// The append failed.
    #[error(transparent)]
    Append(#[from] AppendError),
}

/// The chain as it stands: (seq, member name, bytes, parsed event).
type Chain = Vec<(u64, String, Vec<u8>, Option<CustodyEvent>)>;

fn read_chain(archive: &Archive) -> Result<(String, BTreeMap<String, Entry>, Chain), CustodyError> {
    let bag = archive
        .entry(0)
        .and_then(|e| e.name.split('/').next().map(str::to_string))
        .filter(|b| !b.is_empty())
        .ok_or(CustodyError::NotABundle("empty archive"))?;
    let prefix = format!("{bag}/");
    // Only the tag side is needed (custody, keys, the tag manifest): the
    // payload may hold millions of members.
    let members: BTreeMap<String, Entry> = archive
        .entries()
        .filter_map(|e| {
            let rel = e.name.strip_prefix(&prefix)?;
            let wanted = rel.starts_with(layout::CUSTODY_DIR)
                || rel.starts_with(layout::KEYS_DIR)
                || rel == layout::TAGMANIFEST_SHA256;
            wanted.then(|| (rel.to_string(), e.clone()))
        })
        .collect();
    let mut chain = Vec::new();
    for (rel, e) in &members {
        if let Some((seq, _)) = layout::parse_event_name(rel) {
            let bytes = archive.read_small(e, MAX_EVENT).map_err(ZipError::Io)?;
            let ev = serde_json::from_slice::<CustodyEvent>(&bytes).ok();
            chain.push((seq, rel.clone(), bytes, ev));
        }
    }
    chain.sort_by_key(|c| c.0);
    Ok((bag, members, chain))
}

/// The newest transfer not yet followed by a receive, if any.
pub fn open_transfer(events: &[(u64, String, Option<CustodyEvent>)]) -> Option<EventRef> {
    let mut open = None;
    for (seq, sha, ev) in events {
        match ev.as_ref().map(|e| e.action.as_str()) {
            Some("transfer") => {
                open = Some(EventRef {
                    seq: *seq,
                    sha256: sha.clone(),
                })
            }
            Some("receive") => open = None,
            _ => {}
        }
    }
    open
}

/// Sign and append the next custody event to the bundle at `path`.
pub fn add_event(
    path: &Path,
    opts: &EventOptions,
    signer: &dyn EventSigner,
    hook: &mut dyn AppendHook,
) -> Result<AddedEvent, CustodyError> {
    if !model::CUSTODY_ACTIONS.contains(&opts.action.as_str()) {
        return Err(CustodyError::UnknownAction(opts.action.clone()));
    }
    let (archive, _) = Archive::open(path)?;
    let (bag, members, chain) = read_chain(&archive)?;
    let Some((last_seq, _, last_bytes, Some(last))) = chain.last() else {
        return Err(CustodyError::NotABundle("no readable custody event"));
    };
    let completes = if opts.action == "receive" {
        let refs: Vec<_> = chain
            .iter()
            .map(|(s, _, b, e)| (*s, hex_sha256(b), e.clone()))
            .collect();
        Some(open_transfer(&refs).ok_or(CustodyError::NoOpenTransfer)?)
    } else {
        None
    };
    let tm = members
        .get(layout::TAGMANIFEST_SHA256)
        .ok_or(CustodyError::NotABundle("no tag manifest"))?;
    let tm_bytes = archive.read_small(tm, 64 << 20).map_err(ZipError::Io)?;
    let seq = last_seq + 1;
    let key_id = signer.key_id();
    let event = CustodyEvent {
        kind: CUSTODY_EVENT_TYPE.into(),
        bundle_id: last.bundle_id.clone(),
        seq,
        prev: Some(hex_sha256(last_bytes)),
        action: opts.action.clone(),
        time: model::format_rfc3339_utc(opts.time),
        actor: model::Actor {
            key_id: Some(key_id.clone()),
            ..signer.actor()
        },
        tagmanifest_sha256: hex_sha256(&tm_bytes),
        recipient: opts.recipient.clone(),
        completes,
        location: opts.location.clone(),
        purpose: opts.purpose.clone(),
        note: opts.note.clone(),
    };
    let bytes = model::to_json_bytes(&event);
    let sig = signer.sign(&bytes, &trusted_comment(&event.bundle_id, seq, &key_id))?;
    let name = layout::event_name(seq, &opts.action);
    let mut entries = vec![
        (format!("{bag}/{name}"), bytes.clone()),
        (format!("{bag}/{}", layout::signature_name(&name)), sig),
    ];
    let pk = layout::public_key_name(&key_id);
    if !members.contains_key(&pk) {
        entries.push((format!("{bag}/{pk}"), signer.public_key_file()));
    }
    let cn = layout::certificate_name(&key_id);
    if let (false, Some((cert, cert_sig))) = (members.contains_key(&cn), signer.certificate_files())
    {
        entries.push((format!("{bag}/{cn}"), cert));
        entries.push((format!("{bag}/{}", layout::signature_name(&cn)), cert_sig));
    }
    drop(archive);
    append(path, &entries, DosTime::from_unix(opts.time), hook)?;
    Ok(AddedEvent {
        seq,
        name,
        head: hex_sha256(&bytes),
        event,
    })
}
