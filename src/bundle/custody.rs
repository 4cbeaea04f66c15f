//! Adding a custody event to a sealed bundle: the next sequence number,
//! chained to the previous event file's SHA-256, bound to the bundle id
//! and the sealed tag manifest, signed, and appended (with the signer's
//! public key and certificate when the bundle lacks them) through
//! [`super::append`].
//!
//! This module does not verify the bundle: callers verify first (it needs
//! a trust store, which the library does not choose), and may check the
//! prepared event against the custody rules before appending it
//! ([`prepare_event`], then [`PreparedEvent::append`]). Events are read one
//! at a time within the totals verify keeps ([`EventBudget`]); only the
//! last one is held.

use super::append::{AppendError, AppendHook, append, hex_sha256};
use super::zip::{Archive, DosTime, Entry, ZipError};
use super::{EventSigner, SignFailure, layout, trusted_comment};
use crate::model::{
    self, CUSTODY_EVENT_TYPE, CustodyEvent, CustodyRules, EventBudget, OverBudget, Party, Step,
};
use std::collections::BTreeMap;
use std::path::Path;

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
    /// For a receive of an encrypted bundle: the hex SHA-256 of the age
    /// file that arrived.
    pub received_ciphertext_sha256: Option<String>,
    /// For an `export`: the derived bundle that left.
    pub exported_to: Option<model::disclosure::ExportedTo>,
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
    /// Past the totals of custody events read from one bundle.
    #[error("not read: {0}")]
    TooManyEvents(#[from] OverBudget),
    /// Signing failed.
    #[error("cannot sign the event: {0}")]
    Sign(#[from] SignFailure),
    /// The append failed.
    #[error(transparent)]
    Append(#[from] AppendError),
}

/// The chain as it stands, read one event at a time: the last event
/// (member name, bytes, parsed) and the custody state after it.
struct Chain {
    last: Option<(u64, Vec<u8>, CustodyEvent)>,
    rules: CustodyRules,
}

/// The bag directory name and the tag-side members (custody, keys, the tag
/// manifest): the payload may hold millions of members.
fn tag_members(archive: &Archive) -> Result<(String, BTreeMap<String, Entry>), CustodyError> {
    let bag = archive
        .entry(0)
        .and_then(|e| e.name.split('/').next().map(str::to_string))
        .filter(|b| !b.is_empty())
        .ok_or(CustodyError::NotABundle("empty archive"))?;
    let prefix = format!("{bag}/");
    let members = archive
        .entries()
        .filter_map(|e| {
            let rel = e.name.strip_prefix(&prefix)?;
            let wanted = rel.starts_with(layout::CUSTODY_DIR)
                || rel.starts_with(layout::KEYS_DIR)
                || rel == layout::TAGMANIFEST_SHA256;
            wanted.then(|| (rel.to_string(), e.clone()))
        })
        .collect();
    Ok((bag, members))
}

/// Read the events in order within the same totals as verify, keeping
/// only the last one and the custody state (which needs no signers to
/// know the open hand-over).
fn read_chain(archive: &Archive, members: &BTreeMap<String, Entry>) -> Result<Chain, CustodyError> {
    let mut names: Vec<(u64, &String, &Entry)> = members
        .iter()
        .filter_map(|(rel, e)| Some((layout::parse_event_name(rel)?.0, rel, e)))
        .collect();
    names.sort_by_key(|n| n.0);
    let mut budget = EventBudget::default();
    let mut chain = Chain {
        last: None,
        rules: CustodyRules::new(),
    };
    for (seq, rel, e) in names {
        let sig = members
            .get(&layout::signature_name(rel))
            .map_or(0, |s| s.size);
        budget.admit(e.size, sig)?;
        let bytes = archive
            .read_small(e, model::MAX_EVENT_FILE)
            .map_err(ZipError::Io)?;
        let Ok(ev) = serde_json::from_slice::<CustodyEvent>(&bytes) else {
            chain.last = None;
            continue;
        };
        let sha = hex_sha256(&bytes);
        chain.rules.apply(&Step {
            seq,
            sha256: &sha,
            action: &ev.action,
            event: Some(&ev),
            signer: None,
        });
        chain.last = Some((seq, bytes, ev));
    }
    Ok(chain)
}

/// The signer's key files to add (those the bundle lacks), and all of
/// them as the bundle will hold them, both as (name in the bag, bytes).
type KeyFiles = (Vec<(String, Vec<u8>)>, Vec<(String, Vec<u8>)>);

fn key_files(
    archive: &Archive,
    members: &BTreeMap<String, Entry>,
    signer: &dyn EventSigner,
) -> Result<KeyFiles, CustodyError> {
    let key_id = signer.key_id();
    let cn = layout::certificate_name(&key_id);
    let mut own = vec![(layout::public_key_name(&key_id), signer.public_key_file())];
    if let Some((cert, cert_sig)) = signer.certificate_files() {
        own.push((cn.clone(), cert));
        own.push((layout::signature_name(&cn), cert_sig));
        // The issuing root's key: added when the bundle lacks it, like
        // any key file (an earlier signer's certificate may have brought
        // it already).
        own.extend(signer.issuer_key_file());
    }
    let mut added = Vec::new();
    let mut held = Vec::new();
    for (name, bytes) in own {
        // A certificate and its signature go in together or not at all.
        let present = if name.starts_with(&cn) {
            members.contains_key(&cn)
        } else {
            members.contains_key(&name)
        };
        match members.get(&name) {
            Some(e) if present => {
                let b = archive
                    .read_small(e, model::MAX_SIGNATURE_FILE)
                    .map_err(ZipError::Io)?;
                held.push((name, b));
            }
            None if present => {}
            _ => {
                held.push((name.clone(), bytes.clone()));
                added.push((name, bytes));
            }
        }
    }
    Ok((added, held))
}

/// A signed event ready to append: the zip entries (event, signature, and
/// the signer's key and certificate when the bundle lacks them).
#[derive(Debug, Clone)]
pub struct PreparedEvent {
    /// Its member name (relative to the bag).
    pub name: String,
    /// The event.
    pub event: CustodyEvent,
    /// The event file's bytes.
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of the event file (the custody head after the append).
    pub sha256: String,
    /// Its minisign signature file.
    pub signature: Vec<u8>,
    /// The signer's key files as the bundle holds them after the append
    /// (member name relative to the bag, bytes): those already in the
    /// bundle, else the ones appended. What a verifier will find.
    pub signer_keys: Vec<(String, Vec<u8>)>,
    entries: Vec<(String, Vec<u8>)>,
    time: i64,
}

/// Make and sign the next custody event for the bundle at `path`, without
/// writing anything: the caller may check it (see
/// `verify::check_append`) before [`PreparedEvent::append`].
pub fn prepare_event(
    path: &Path,
    opts: &EventOptions,
    signer: &dyn EventSigner,
) -> Result<PreparedEvent, CustodyError> {
    let (archive, _) = Archive::open(path)?;
    prepare_event_in(&archive, opts, signer)
}

/// [`prepare_event`] for the bundle `archive` already opened (`export`
/// reads it anyway; opening a bundle of many files again costs a pass
/// over its directory).
pub fn prepare_event_in(
    archive: &Archive,
    opts: &EventOptions,
    signer: &dyn EventSigner,
) -> Result<PreparedEvent, CustodyError> {
    // An export is recorded only by `evidentia export`, which names what
    // left; `custody add` takes the other actions.
    let export = opts.action == "export" && opts.exported_to.is_some();
    if !export && !model::CUSTODY_ACTIONS.contains(&opts.action.as_str()) {
        return Err(CustodyError::UnknownAction(opts.action.clone()));
    }
    let (bag, members) = tag_members(archive)?;
    let chain = read_chain(archive, &members)?;
    let Some((last_seq, last_bytes, last)) = &chain.last else {
        return Err(CustodyError::NotABundle("no readable custody event"));
    };
    let completes = if opts.action == "receive" {
        let open = chain.rules.open_handover();
        Some(open.cloned().ok_or(CustodyError::NoOpenTransfer)?)
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
        received_ciphertext_sha256: opts.received_ciphertext_sha256.clone(),
        disclosure: None,
        exported_from: None,
        exported_to: opts.exported_to.clone(),
        location: opts.location.clone(),
        purpose: opts.purpose.clone(),
        note: opts.note.clone(),
    };
    let bytes = model::to_json_bytes(&event);
    let sig = signer.sign(&bytes, &trusted_comment(&event.bundle_id, seq, &key_id))?;
    let name = layout::event_name(seq, &opts.action);
    let mut entries = vec![
        (format!("{bag}/{name}"), bytes.clone()),
        (
            format!("{bag}/{}", layout::signature_name(&name)),
            sig.clone(),
        ),
    ];
    let (added, signer_keys) = key_files(archive, &members, signer)?;
    entries.extend(added.into_iter().map(|(n, b)| (format!("{bag}/{n}"), b)));
    Ok(PreparedEvent {
        name,
        event,
        sha256: hex_sha256(&bytes),
        bytes,
        signature: sig,
        signer_keys,
        entries,
        time: opts.time,
    })
}

impl PreparedEvent {
    /// Append the event to the bundle at `path` (the one it was prepared
    /// from, unchanged since).
    pub fn append(
        self,
        path: &Path,
        hook: &mut dyn AppendHook,
    ) -> Result<AddedEvent, CustodyError> {
        append(path, &self.entries, DosTime::from_unix(self.time), hook)?;
        Ok(AddedEvent {
            seq: self.event.seq,
            name: self.name,
            head: self.sha256,
            event: self.event,
        })
    }
}

/// Sign and append the next custody event to the bundle at `path`.
pub fn add_event(
    path: &Path,
    opts: &EventOptions,
    signer: &dyn EventSigner,
    hook: &mut dyn AppendHook,
) -> Result<AddedEvent, CustodyError> {
    prepare_event(path, opts, signer)?.append(path, hook)
}
