//! The custody rules: the closed set of actions, and who may add which
//! action when, as one step function ([`CustodyRules::apply`]) that
//! `verify` runs over a bundle's events and `custody add` / `receive` run
//! over the events plus the one they are about to append. One function,
//! so the command line never writes an event the verifier rejects.
//!
//! The rules, in order of the events:
//! - the action is one of [`CustodyAction`]; anything else is refused;
//! - only event 1 is a `seal`; its signer is the first holder;
//! - `transfer`, `return`, `dispose`, `access` and `copy` are by the
//!   current holder; `verify` and `note` by any trusted signer;
//! - a `transfer` names its recipient; a `return` names none: it goes back
//!   to the party the holder received the evidence from;
//! - a `receive` completes the newest open transfer or return (naming it
//!   in `completes`), signed by its recipient, who then holds the evidence;
//! - nothing follows a `dispose`;
//! - only a `receive` records `received_ciphertext_sha256` (the SHA-256
//!   of the encrypted file that arrived), as 64 lowercase hex digits;
//! - an `export` is by the holder and names what left (`exported_to`);
//!   only an export does; only the seal carries `disclosure` and
//!   `exported_from`;
//! - every claimed time is RFC 3339, and none is earlier than the seal's by
//!   more than [`CLOCK_SKEW_SECS`].
//!
//! "The holder" is a signer: the same key, or a key with the same proven
//! identity (name, organisation and country, compared without case). An
//! event whose signer is unknown (no trusted signature, which is a finding
//! of its own) is not checked against the holder, and a receive by an
//! unknown signer leaves the holder unknown: those bundles fail anyway.
//!
//! Nothing here reads a file: the caller feeds events one at a time, so the
//! rules hold only a few small values, never the events.

use super::{CustodyEvent, EventRef, Party, format_rfc3339_utc, parse_rfc3339};

/// The largest custody event file read (events are a few KiB).
pub const MAX_EVENT_FILE: u64 = 1 << 20;
/// The most custody events read from one bundle: a chain of custody has
/// tens of events; ten thousand is far past any real one.
pub const MAX_EVENTS: u64 = 10_000;
/// The most bytes of custody event files (and their signatures) read from
/// one bundle, so memory stays bounded whatever the event count.
pub const MAX_EVENT_BYTES: u64 = 16 << 20;
/// How far before the seal an event's claimed time may lie: 24 hours.
/// A clock set to local time but reported as UTC is off by at most 14
/// hours (UTC+14); 24 hours covers that and a day's drift of a field
/// laptop that never synchronized, and still refuses the back-dating that
/// matters (an expired key claiming a time months or years back, when its
/// certificate was valid).
pub const CLOCK_SKEW_SECS: i64 = 24 * 3600;

/// The actions a custody event may record: a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustodyAction {
    /// Event 1: the bundle was sealed; the signer holds it.
    Seal,
    /// The holder hands the evidence to a named recipient.
    Transfer,
    /// The recipient of a transfer or return acknowledges it.
    Receive,
    /// The holder opened the evidence.
    Access,
    /// The holder made a copy.
    Copy,
    /// Someone checked the bundle.
    Verify,
    /// The holder hands the evidence back to whom it came from.
    Return,
    /// The holder destroyed the evidence; nothing may follow.
    Dispose,
    /// A remark by anyone trusted.
    Note,
    /// The holder disclosed a subset in a derived bundle (`evidentia
    /// export`; never added by hand).
    Export,
}

/// The actions `custody add` records (all but the seal).
pub const CUSTODY_ACTIONS: [&str; 8] = [
    "transfer", "receive", "access", "copy", "verify", "return", "dispose", "note",
];

impl CustodyAction {
    /// Every action, the seal first.
    pub const ALL: [CustodyAction; 10] = [
        CustodyAction::Seal,
        CustodyAction::Transfer,
        CustodyAction::Receive,
        CustodyAction::Access,
        CustodyAction::Copy,
        CustodyAction::Verify,
        CustodyAction::Return,
        CustodyAction::Dispose,
        CustodyAction::Note,
        CustodyAction::Export,
    ];

    /// The action's name in events and member names.
    pub fn as_str(self) -> &'static str {
        match self {
            CustodyAction::Seal => "seal",
            CustodyAction::Transfer => "transfer",
            CustodyAction::Receive => "receive",
            CustodyAction::Access => "access",
            CustodyAction::Copy => "copy",
            CustodyAction::Verify => "verify",
            CustodyAction::Return => "return",
            CustodyAction::Dispose => "dispose",
            CustodyAction::Note => "note",
            CustodyAction::Export => "export",
        }
    }

    /// The action named `name`, if it is one.
    pub fn parse(name: &str) -> Option<CustodyAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Whether only the current holder may record it.
    pub fn holder_only(self) -> bool {
        matches!(
            self,
            CustodyAction::Transfer
                | CustodyAction::Return
                | CustodyAction::Dispose
                | CustodyAction::Access
                | CustodyAction::Copy
                | CustodyAction::Export
        )
    }
}

/// A signer as verification established it: the key whose signature
/// verified, and the identity the trust store proves for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The key id.
    pub key_id: String,
    /// The proven identity (name, organisation, country), if any.
    pub identity: Option<Party>,
}

/// The same proven person ([`super::Who::same_person`]).
fn same_person(a: &Party, b: &Party) -> bool {
    a.who().same_person(&b.who())
}

impl Signer {
    /// Whether `self` and `other` are the same holder: one key, or one
    /// proven name, organisation and country.
    pub fn same_holder(&self, other: &Signer) -> bool {
        self.key_id == other.key_id
            || matches!((&self.identity, &other.identity), (Some(a), Some(b)) if same_person(a, b))
    }

    /// Whether `self` is the recipient a transfer names.
    pub fn is(&self, recipient: &Party) -> bool {
        match &recipient.key_id {
            Some(k) => self.key_id.eq_ignore_ascii_case(k),
            None => self
                .identity
                .as_ref()
                .is_some_and(|i| same_person(i, recipient)),
        }
    }

    /// "Name, Org, CC (key K)", or the key alone.
    pub fn describe(&self) -> String {
        match &self.identity {
            Some(p) => format!("{} (key {})", describe_party(p), self.key_id),
            None => format!("key {} (no certified identity)", self.key_id),
        }
    }
}

/// "Name, Org, CC", or "key K" for a party named by key.
pub fn describe_party(p: &Party) -> String {
    if let Some(k) = &p.key_id {
        return format!("key {k}");
    }
    [&p.name, &p.organisation, &p.country]
        .iter()
        .map(|x| x.as_deref().unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One event as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// Its sequence number.
    pub seq: u64,
    /// Hex SHA-256 of its file.
    pub sha256: &'a str,
    /// The action its member name gives.
    pub action: &'a str,
    /// The event, when it parsed.
    pub event: Option<&'a CustodyEvent>,
    /// Who signed it, when a trusted signature verified.
    pub signer: Option<&'a Signer>,
}

/// A rule an event breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The finding code: `custody` or `receive-signer`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The expected value, if any.
    pub expected: Option<String>,
    /// The actual value, if any.
    pub actual: Option<String>,
}

impl Breach {
    fn new(message: impl Into<String>) -> Breach {
        Breach {
            code: "custody",
            message: message.into(),
            expected: None,
            actual: None,
        }
    }

    fn values(message: impl Into<String>, expected: String, actual: String) -> Breach {
        Breach {
            expected: Some(expected),
            actual: Some(actual),
            ..Breach::new(message)
        }
    }
}

/// Who an open hand-over goes to.
#[derive(Debug, Clone)]
enum Recipient {
    /// A transfer's named recipient (none when it named nobody).
    Named(Option<Party>),
    /// A return's: the previous holder (unknown when unverified).
    Back(Option<Signer>),
}

#[derive(Debug, Clone)]
struct Handover {
    at: EventRef,
    to: Recipient,
}

/// The custody state after the events seen so far.
#[derive(Debug, Clone, Default)]
pub struct CustodyRules {
    seal_time: Option<i64>,
    /// Holders in order of hand-over, the current one last; `None` where
    /// the signer was not verified.
    holders: Vec<Option<Signer>>,
    handover: Option<Handover>,
    disposed: Option<u64>,
}

impl CustodyRules {
    /// No events seen yet.
    pub fn new() -> CustodyRules {
        CustodyRules::default()
    }

    /// The newest transfer or return not yet received: what a `receive`
    /// appended now must complete.
    pub fn open_handover(&self) -> Option<&EventRef> {
        self.handover.as_ref().map(|h| &h.at)
    }

    /// Who holds the evidence now, when known.
    pub fn holder(&self) -> Option<&Signer> {
        self.holders.last().and_then(Option::as_ref)
    }

    /// Check one event against the events before it, and take it in.
    /// Returns every rule it breaks (none for an event that may follow).
    pub fn apply(&mut self, step: &Step) -> Vec<Breach> {
        let mut out = Vec::new();
        let Some(action) = CustodyAction::parse(step.action) else {
            out.push(Breach::values(
                "unknown custody action",
                CustodyAction::ALL.map(CustodyAction::as_str).join(", "),
                step.action.to_string(),
            ));
            return out;
        };
        if let Some(d) = self.disposed {
            out.push(Breach::values(
                format!(
                    "event after the evidence was disposed of (event {d}); nothing may follow a dispose"
                ),
                "no event after dispose".into(),
                step.action.to_string(),
            ));
        }
        if let Some(ev) = step.event {
            self.check_time(step.seq, &ev.time, &mut out);
            check_received(action, ev, &mut out);
            check_export_fields(action, step.seq, ev, &mut out);
        }
        if action.holder_only() {
            self.check_holder(action, step.signer, &mut out);
        }
        match action {
            CustodyAction::Seal => self.seal(step, &mut out),
            CustodyAction::Transfer => self.transfer(step, &mut out),
            CustodyAction::Return => self.give_back(step, &mut out),
            CustodyAction::Receive => self.receive(step, &mut out),
            CustodyAction::Dispose => self.disposed = Some(step.seq),
            _ => {}
        }
        out
    }

    fn check_time(&mut self, seq: u64, time: &str, out: &mut Vec<Breach>) {
        let Ok(t) = parse_rfc3339(time) else {
            out.push(Breach::values(
                "claimed time is not an RFC 3339 time with offset",
                "e.g. 2024-05-01T12:00:00Z".into(),
                time.to_string(),
            ));
            return;
        };
        if seq == 1 {
            self.seal_time = Some(t);
        } else if let Some(sealed) = self.seal_time.filter(|s| t < s - CLOCK_SKEW_SECS) {
            out.push(Breach::values(
                format!(
                    "claimed time is before the seal ({}) by more than the {}-hour clock-skew tolerance",
                    format_rfc3339_utc(sealed),
                    CLOCK_SKEW_SECS / 3600
                ),
                format!("{} or later", format_rfc3339_utc(sealed - CLOCK_SKEW_SECS)),
                time.to_string(),
            ));
        }
    }

    fn check_holder(&self, action: CustodyAction, signer: Option<&Signer>, out: &mut Vec<Breach>) {
        // Unknown signer or holder: an unverified signature, which fails
        // verification on its own; comparing would only add noise.
        let (Some(holder), Some(signer)) = (self.holder(), signer) else {
            return;
        };
        if !holder.same_holder(signer) {
            out.push(Breach::values(
                format!(
                    "{} by someone who does not hold the evidence: held by {}, recorded by {}",
                    action.as_str(),
                    holder.describe(),
                    signer.describe()
                ),
                holder.describe(),
                signer.describe(),
            ));
        }
    }

    fn seal(&mut self, step: &Step, out: &mut Vec<Breach>) {
        if step.seq != 1 {
            out.push(Breach::values(
                "a second seal: only event 1 may be a seal",
                "1".into(),
                step.seq.to_string(),
            ));
            return;
        }
        self.holders = vec![step.signer.cloned()];
    }

    fn open(&mut self, step: &Step, to: Recipient) {
        self.handover = Some(Handover {
            at: EventRef {
                seq: step.seq,
                sha256: step.sha256.to_string(),
            },
            to,
        });
    }

    fn transfer(&mut self, step: &Step, out: &mut Vec<Breach>) {
        let recipient = step.event.and_then(|e| e.recipient.clone());
        if step.event.is_some() && recipient.is_none() {
            out.push(Breach::new("transfer names no recipient"));
        }
        self.open(step, Recipient::Named(recipient));
    }

    fn give_back(&mut self, step: &Step, out: &mut Vec<Breach>) {
        if step.event.is_some_and(|e| e.recipient.is_some()) {
            out.push(Breach::new(
                "a return names no recipient: it goes back to whoever handed the evidence over",
            ));
        }
        let Some(previous) = self.holders.len().checked_sub(2) else {
            out.push(Breach::new(
                "return with nobody to return to: the holder sealed the evidence and never received it",
            ));
            return;
        };
        let back = self.holders[previous].clone();
        self.open(step, Recipient::Back(back));
    }

    fn receive(&mut self, step: &Step, out: &mut Vec<Breach>) {
        // Any receive closes the hand-over, accepted or not: a second
        // receive of the same transfer is refused as having none.
        let Some(open) = self.handover.take() else {
            out.push(Breach::new("receive without a transfer before it"));
            return;
        };
        if let Some(ev) = step.event {
            let got = ev
                .completes
                .as_ref()
                .map(|c| format!("{} {}", c.seq, c.sha256))
                .unwrap_or_else(|| "null".into());
            let want = format!("{} {}", open.at.seq, open.at.sha256);
            if got != want {
                out.push(Breach::values(
                    "receive does not name the transfer it completes",
                    want,
                    got,
                ));
            }
        }
        let wrong = match (&open.to, step.signer) {
            (Recipient::Named(Some(p)), Some(s)) if !s.is(p) => Some((
                format!("the recipient named in transfer {}", open.at.seq),
                describe_party(p),
            )),
            (Recipient::Back(Some(h)), Some(s)) if !h.same_holder(s) => Some((
                format!(
                    "the previous holder, to whom return {} gives the evidence back",
                    open.at.seq
                ),
                h.describe(),
            )),
            _ => None,
        };
        if let (Some((whom, want)), Some(s)) = (wrong, step.signer) {
            out.push(Breach {
                code: "receive-signer",
                ..Breach::values(
                    format!("receive is not signed by {whom}"),
                    want,
                    s.describe(),
                )
            });
            return;
        }
        match open.to {
            Recipient::Named(_) => self.holders.push(step.signer.cloned()),
            Recipient::Back(_) => {
                self.holders.pop();
            }
        }
    }
}

/// `received_ciphertext_sha256`: only on a receive, and a hex SHA-256.
fn check_received(action: CustodyAction, ev: &CustodyEvent, out: &mut Vec<Breach>) {
    let Some(h) = &ev.received_ciphertext_sha256 else {
        return;
    };
    if action != CustodyAction::Receive {
        out.push(Breach::values(
            format!(
                "received_ciphertext_sha256 on a {} event: only a receive records the encrypted file that arrived",
                action.as_str()
            ),
            "no received_ciphertext_sha256".into(),
            h.clone(),
        ));
    }
    let hex = h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex {
        out.push(Breach::values(
            "received_ciphertext_sha256 is not a hex SHA-256",
            "64 lowercase hex digits".into(),
            h.clone(),
        ));
    }
}

/// `disclosure` and `exported_from` only on the seal; `exported_to` on
/// every export and nowhere else.
fn check_export_fields(action: CustodyAction, seq: u64, ev: &CustodyEvent, out: &mut Vec<Breach>) {
    let seal = action == CustodyAction::Seal && seq == 1;
    for (field, present) in [
        ("disclosure", ev.disclosure.is_some()),
        ("exported_from", ev.exported_from.is_some()),
    ] {
        if present && !seal {
            out.push(Breach::values(
                format!(
                    "{field} on a {} event: only the seal carries it",
                    action.as_str()
                ),
                format!("no {field}"),
                field.into(),
            ));
        }
    }
    let export = action == CustodyAction::Export;
    if export != ev.exported_to.is_some() {
        let message = if export {
            "export names no exported_to: an export records the bundle that left"
        } else {
            "exported_to on an event that is not an export"
        };
        out.push(Breach::new(format!("{message} ({})", action.as_str())));
    }
}

/// Why a custody event was not read: past one of the totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OverBudget {
    /// More than [`MAX_EVENTS`] events.
    #[error("the bundle holds more than {MAX_EVENTS} custody events")]
    Events,
    /// More than [`MAX_EVENT_BYTES`] bytes of events and signatures.
    #[error("custody events and their signatures exceed {MAX_EVENT_BYTES} bytes in total")]
    Bytes,
}

/// The running totals of custody events read from one bundle, held to
/// [`MAX_EVENTS`] and [`MAX_EVENT_BYTES`]: every reader of events (verify,
/// `custody add`, `receive`, `report`) keeps the same totals.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventBudget {
    events: u64,
    bytes: u64,
}

impl EventBudget {
    /// Admit the next event, whose event file and signature declare
    /// `event_size` and `signature_size` bytes (each counted up to the most
    /// that is read of it), or say which total it would pass.
    pub fn admit(&mut self, event_size: u64, signature_size: u64) -> Result<(), OverBudget> {
        let bytes = event_size.min(MAX_EVENT_FILE) + signature_size.min(MAX_SIGNATURE_FILE);
        if self.events >= MAX_EVENTS {
            return Err(OverBudget::Events);
        }
        if self.bytes + bytes > MAX_EVENT_BYTES {
            return Err(OverBudget::Bytes);
        }
        self.events += 1;
        self.bytes += bytes;
        Ok(())
    }
}

/// The largest signature file read (minisign's own limit for text files).
pub const MAX_SIGNATURE_FILE: u64 = 64 << 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_set_is_closed() {
        for a in CustodyAction::ALL {
            assert_eq!(CustodyAction::parse(a.as_str()), Some(a));
        }
        for name in ["disposed", "Seal", "seal ", "", "receipt"] {
            assert_eq!(CustodyAction::parse(name), None, "{name:?}");
        }
        // Everything but the seal and the export, which only `export`
        // writes (with what it exported).
        let appendable: Vec<_> = CustodyAction::ALL[1..9]
            .iter()
            .map(|a| a.as_str())
            .collect();
        assert_eq!(appendable, CUSTODY_ACTIONS);
    }

    #[test]
    fn only_a_receive_records_a_ciphertext_hash_and_only_a_hex_one() {
        let ev = |action: &str, h: Option<&str>| CustodyEvent {
            kind: crate::model::CUSTODY_EVENT_TYPE.into(),
            bundle_id: "b".into(),
            seq: 2,
            prev: None,
            action: action.into(),
            time: "2024-01-01T00:00:00Z".into(),
            actor: crate::model::Actor::default(),
            tagmanifest_sha256: "00".into(),
            recipient: None,
            completes: None,
            received_ciphertext_sha256: h.map(String::from),
            disclosure: None,
            exported_from: None,
            exported_to: None,
            location: None,
            purpose: None,
            note: None,
        };
        let good = "ab".repeat(32);
        let breaches = |e: &CustodyEvent| {
            let mut out = Vec::new();
            check_received(CustodyAction::parse(&e.action).unwrap(), e, &mut out);
            out.into_iter().map(|b| b.message).collect::<Vec<_>>()
        };
        assert!(breaches(&ev("receive", Some(&good))).is_empty());
        assert!(breaches(&ev("note", None)).is_empty());
        let on_note = breaches(&ev("note", Some(&good)));
        assert!(on_note[0].contains("on a note event"), "{on_note:?}");
        for bad in [
            "AB".repeat(32),
            "ab".repeat(31),
            format!("{}g", "a".repeat(63)),
        ] {
            let b = breaches(&ev("receive", Some(&bad)));
            assert_eq!(
                b,
                ["received_ciphertext_sha256 is not a hex SHA-256"],
                "{bad}"
            );
        }
    }

    #[test]
    fn the_budget_counts_events_and_bytes() {
        let mut b = EventBudget::default();
        for _ in 0..MAX_EVENTS {
            b.admit(100, 100).unwrap();
        }
        assert_eq!(b.admit(1, 1), Err(OverBudget::Events));
        let mut b = EventBudget::default();
        // Each file counts up to what is read of it at most.
        for _ in 0..(MAX_EVENT_BYTES / (MAX_EVENT_FILE + MAX_SIGNATURE_FILE)) {
            b.admit(u64::MAX, u64::MAX).unwrap();
        }
        assert_eq!(b.admit(MAX_EVENT_FILE, 0), Err(OverBudget::Bytes));
        b.admit(1000, 100).unwrap();
    }
}
