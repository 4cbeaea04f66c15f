//! The custody rules over hand-made event summaries: who may add which
//! action, one seal, the closed action set, the clock-skew tolerance.

use super::*;
use crate::model::{Actor, CUSTODY_EVENT_TYPE, CustodyEvent, EventRef, Party};

fn person(name: &str, org: &str, cc: &str) -> Party {
    Party {
        key_id: None,
        name: Some(name.into()),
        organisation: Some(org.into()),
        country: Some(cc.into()),
    }
}

/// Signers: A (agency), B (a colleague at the agency), L (the lab).
fn who(k: &str) -> (String, Party) {
    let p = match k {
        "A" => person("Jana Examiner", "Police Agency", "DE"),
        "A2" => person("jana examiner", "POLICE AGENCY", "de"),
        "B" => person("Karl Second", "Police Agency", "DE"),
        _ => person("Petr Lab", "Forensic Lab", "CZ"),
    };
    (format!("{k}{}", "0".repeat(63)), p)
}

struct Chain(Vec<EventSummary>);

impl Chain {
    fn new(signer: &str, time: &str) -> Chain {
        let mut c = Chain(Vec::new());
        c.push("seal", signer, time, |_| {});
        c
    }

    fn next(
        &self,
        action: &str,
        signer: &str,
        time: &str,
        edit: impl FnOnce(&mut CustodyEvent),
    ) -> EventSummary {
        let seq = self.0.len() as u64 + 1;
        let (key, identity) = who(signer);
        let mut ev = CustodyEvent {
            kind: CUSTODY_EVENT_TYPE.into(),
            bundle_id: "b".into(),
            seq,
            prev: None,
            action: action.into(),
            time: time.into(),
            actor: Actor {
                key_id: Some(key.clone()),
                ..Actor::default()
            },
            tagmanifest_sha256: "00".into(),
            recipient: None,
            completes: None,
            received_ciphertext_sha256: None,
            disclosure: None,
            exported_from: None,
            exported_to: None,
            location: None,
            purpose: None,
            note: None,
        };
        edit(&mut ev);
        EventSummary {
            seq,
            action: action.into(),
            time: time.into(),
            key_id: Some(key.clone()),
            signature: SignatureState::Trusted,
            trust: None,
            event: Some(ev),
            sha256: format!("{seq:064}"),
            signed_by: Some(key),
            signer_identity: Some(identity),
            signer_kind: None,
            certified_identity: None,
        }
    }

    fn push(
        &mut self,
        action: &str,
        signer: &str,
        time: &str,
        edit: impl FnOnce(&mut CustodyEvent),
    ) {
        let s = self.next(action, signer, time, edit);
        self.0.push(s);
    }

    fn transfer_to(&mut self, from: &str, to: &str) {
        let (_, p) = who(to);
        self.push("transfer", from, T, |e| e.recipient = Some(p));
    }

    fn receive(&mut self, by: &str) {
        let seq = self.0.len() as u64;
        self.push("receive", by, T, |e| {
            e.completes = Some(EventRef {
                seq,
                sha256: format!("{seq:064}"),
            })
        });
    }

    /// (code, message) of every finding verify reports.
    fn findings(&self) -> Vec<(FindingCode, String)> {
        let mut r = VerifyReport {
            events: self.0.clone(),
            ..VerifyReport::default()
        };
        check(&mut r);
        r.findings
            .iter()
            .map(|f| (f.code, f.message.clone()))
            .collect()
    }

    #[track_caller]
    fn fails(&self, code: FindingCode, needle: &str) {
        let f = self.findings();
        assert!(
            f.iter().any(|(c, m)| *c == code && m.contains(needle)),
            "wanted {code} {needle:?}, got {f:#?}"
        );
        // `custody add` asks the same rules about the last event.
        let (last, before) = self.0.split_last().unwrap();
        assert!(
            check_append(before, last)
                .iter()
                .any(|f| f.message.contains(needle))
        );
    }

    #[track_caller]
    fn passes(&self) {
        assert_eq!(self.findings(), vec![]);
        let (last, before) = self.0.split_last().unwrap();
        assert_eq!(check_append(before, last), vec![]);
    }
}

const SEALED: &str = "2024-05-01T12:00:00Z";
const T: &str = "2024-05-02T09:00:00Z";

#[test]
fn an_unknown_action_is_refused_even_when_signed() {
    let mut c = Chain::new("A", SEALED);
    c.push("disposed", "A", T, |_| {});
    c.fails(FindingCode::Custody, "unknown custody action");
    // ... and does not count as a dispose: the rule "nothing after
    // dispose" is not what catches it.
    assert_eq!(c.findings().len(), 1);
}

#[test]
fn only_event_one_is_a_seal() {
    let mut c = Chain::new("A", SEALED);
    c.push("note", "A", T, |_| {});
    c.passes();
    c.push("seal", "L", T, |_| {});
    c.fails(FindingCode::Custody, "a second seal");
}

#[test]
fn only_the_holder_transfers_disposes_accesses_or_copies() {
    for action in ["transfer", "dispose", "access", "copy", "return"] {
        let mut c = Chain::new("A", SEALED);
        let (_, lab) = who("L");
        c.push(action, "B", T, |e| {
            if action == "transfer" {
                e.recipient = Some(lab)
            }
        });
        c.fails(FindingCode::Custody, "does not hold the evidence");
        let f = c.findings();
        assert!(
            f[0].1
                .contains("held by Jana Examiner, Police Agency, DE (key A0"),
            "{f:?}"
        );
        assert!(
            f[0].1
                .contains("recorded by Karl Second, Police Agency, DE (key B0"),
            "{f:?}"
        );
    }
    // verify and note: anyone trusted.
    let mut c = Chain::new("A", SEALED);
    c.push("verify", "L", T, |_| {});
    c.push("note", "B", T, |_| {});
    c.passes();
    // The same certified identity under another key is the same holder.
    c.push("access", "A2", T, |_| {});
    c.passes();
}

#[test]
fn the_receiver_holds_the_evidence_after_a_completed_transfer() {
    let mut c = Chain::new("A", SEALED);
    c.transfer_to("A", "L");
    // Until the receive, the sender still holds it.
    c.push("copy", "A", T, |_| {});
    c.passes();
    c.0.pop();
    c.receive("L");
    c.passes();
    c.transfer_to("L", "A");
    c.passes();
    // The sender no longer holds it.
    let mut d = Chain(c.0[..3].to_vec());
    d.push("dispose", "A", T, |_| {});
    d.fails(FindingCode::Custody, "does not hold the evidence");
    // A receive by someone else than the recipient moves nothing.
    let mut e = Chain(c.0[..2].to_vec());
    e.receive("B");
    e.fails(
        FindingCode::ReceiveSigner,
        "not signed by the recipient named in transfer 2",
    );
    e.transfer_to("B", "A");
    e.fails(FindingCode::Custody, "does not hold the evidence");
}

#[test]
fn a_return_goes_back_to_the_previous_holder_and_needs_its_receive() {
    let mut c = Chain::new("A", SEALED);
    c.push("return", "A", T, |_| {});
    c.fails(FindingCode::Custody, "nobody to return to");
    c.0.pop();
    c.transfer_to("A", "L");
    c.receive("L");
    c.push("return", "L", T, |_| {});
    c.passes();
    let mut wrong = Chain(c.0.clone());
    wrong.receive("B");
    wrong.fails(FindingCode::ReceiveSigner, "previous holder");
    c.receive("A");
    c.passes();
    c.push("dispose", "A", T, |_| {});
    c.passes();
    // A return that names someone is refused: it has no recipient.
    let mut named = Chain(c.0[..3].to_vec());
    let (_, b) = who("B");
    named.push("return", "L", T, |e| e.recipient = Some(b));
    named.fails(FindingCode::Custody, "a return names no recipient");
}

#[test]
fn nothing_follows_a_dispose() {
    let mut c = Chain::new("A", SEALED);
    c.push("dispose", "A", T, |_| {});
    c.passes();
    c.push("note", "A", T, |_| {});
    c.fails(FindingCode::Custody, "nothing may follow a dispose");
}

#[test]
fn claimed_times_before_the_seal_beyond_the_tolerance_fail() {
    let mut c = Chain::new("A", SEALED);
    // 23 hours before the seal: a misset clock, tolerated (and warned).
    c.push("note", "A", "2024-04-30T13:00:00Z", |_| {});
    c.passes();
    let mut r = VerifyReport {
        events: c.0.clone(),
        ..VerifyReport::default()
    };
    check(&mut r);
    assert_eq!(r.warnings[0].code, FindingCode::TimeBackwards);
    // Years before: an expired key back-dating its event.
    c.push("note", "A", "2019-01-01T00:00:00Z", |_| {});
    c.fails(
        FindingCode::Custody,
        "before the seal (2024-05-01T12:00:00Z) by more than the 24-hour",
    );
    let mut d = Chain::new("A", SEALED);
    d.push("note", "A", "yesterday", |_| {});
    d.fails(FindingCode::Custody, "not an RFC 3339 time");
    let s = Chain::new("A", "last week");
    s.fails(FindingCode::Custody, "not an RFC 3339 time");
}

#[test]
fn unverified_signers_are_left_to_the_signature_findings() {
    let mut c = Chain::new("A", SEALED);
    let mut s = c.next("transfer", "B", T, |e| e.recipient = Some(who("L").1));
    s.signature = SignatureState::Untrusted;
    c.0.push(s);
    c.passes();
}
