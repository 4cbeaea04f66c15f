//! The documented `custody show --json` and `custody add --json` documents
//! (docs/verify-semantics.md), exactly: unknown fields fail the test.

use crate::custody::{LAB_TO, T2, setup, transfer_and_receive};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Timeline {
    #[serde(rename = "type")]
    kind: String,
    bundle_id: Option<String>,
    verdict: String,
    events: Vec<Event>,
    head: Option<String>,
    findings: Vec<serde_json::Value>,
    warnings: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Event {
    seq: u64,
    time: String,
    action: String,
    actor: Option<evidentia::model::Actor>,
    recipient: Option<evidentia::model::Party>,
    completes: Option<evidentia::model::EventRef>,
    location: Option<String>,
    purpose: Option<String>,
    note: Option<String>,
    signature: String,
    trust: Option<String>,
    identity: Option<evidentia::sign::Identity>,
    signer_kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Added {
    #[serde(rename = "type")]
    kind: String,
    seq: u64,
    action: String,
    member: String,
    custody_head: String,
}

#[test]
fn custody_json_documents_match_their_documentation() {
    let (agency, lab, b) = setup();
    let other = agency.env.path().join("o.zip");
    std::fs::copy(&b, &other).unwrap();
    transfer_and_receive(&agency, &lab, &b);
    let mut c = lab.env.cmd(["--json", "custody", "show"]);
    c.arg(&b);
    let r = lab.env.run_cmd(&mut c);
    r.expect_code(0);
    let t: Timeline = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(t.kind, "evidentia/custody-timeline/v1");
    assert_eq!(t.verdict, "verified");
    assert_eq!(t.events.len(), 3);
    assert_eq!(t.events[2].completes.as_ref().map(|c| c.seq), Some(2));
    let mut c = agency.env.cmd(["--json", "custody", "add"]);
    c.arg(&other)
        .args(["--action", "transfer", "--to", LAB_TO, "--time", T2]);
    let r = agency.env.run_cmd(&mut c);
    r.expect_code(0);
    let a: Added = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(a.kind, "evidentia/custody-added/v1");
    assert_eq!(
        (a.seq, a.member.as_str()),
        (2, "custody/000002-transfer.json")
    );
    assert_eq!(a.custody_head.len(), 64);
}
