//! The custody rules end to end: the closed action set, one seal, only
//! the holder transfers or disposes, the receiver holds the evidence after
//! a receive, no back-dating before the seal; `custody add` and `receive`
//! refuse (writing nothing) what verify rejects, and events forged with the
//! library fail verify. And memory: many events, and a small zip of
//! compressed events, stay within the totals and under 100 MiB.

use crate::custody::{
    LAB_TO, Party, T1, T2, T3, add, assert_fails, certify, examiner_signer, new_key, party_valid,
    run, setup, transfer_and_receive, verify,
};
use crate::harness::Env;
use evidentia::bundle::{
    Archive, DosTime, EventOptions, EventSigner, Method, NoHook, ZipWriter, add_event, append,
    layout, trusted_comment,
};
use evidentia::model::{Actor, CUSTODY_EVENT_TYPE, CustodyEvent, to_json_bytes};
use evidentia::sign::KeyStore;
use sha2::Digest;
use std::path::Path;

const T4: &str = "2024-05-04T10:00:00Z";
const AGENCY_TO: &str = "Jana Examiner, Police Agency, DE";

fn hex_sha256(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The last event of `b` (seq and bytes) and the tag manifest's hash.
fn chain_tail(b: &Path) -> (u64, Vec<u8>, String) {
    let (a, _) = Archive::open(b).unwrap();
    let mut last = (0, Vec::new());
    let mut tm = String::new();
    for e in a.entries() {
        let rel = e.name.split_once('/').unwrap().1.to_string();
        if let Some((seq, _)) = layout::parse_event_name(&rel) {
            if seq > last.0 {
                last = (seq, a.read_small(&e, 1 << 20).unwrap());
            }
        } else if rel == layout::TAGMANIFEST_SHA256 {
            tm = hex_sha256(&a.read_small(&e, 1 << 20).unwrap());
        }
    }
    (last.0, last.1, tm)
}

/// Append a validly chained event with any action, signed by `signer`
/// (whose key files the bundle already holds): what no command writes.
fn forge(b: &Path, signer: &dyn EventSigner, action: &str, time: &str) {
    let (seq, last, tm) = chain_tail(b);
    let prev: CustodyEvent = serde_json::from_slice(&last).unwrap();
    let seq = seq + 1;
    let key_id = signer.key_id();
    let ev = CustodyEvent {
        kind: CUSTODY_EVENT_TYPE.into(),
        bundle_id: prev.bundle_id.clone(),
        seq,
        prev: Some(hex_sha256(&last)),
        action: action.into(),
        time: time.into(),
        actor: Actor {
            key_id: Some(key_id.clone()),
            ..signer.actor()
        },
        tagmanifest_sha256: tm,
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
    let bytes = to_json_bytes(&ev);
    let sig = signer
        .sign(&bytes, &trusted_comment(&ev.bundle_id, seq, &key_id))
        .unwrap();
    let name = format!("b/{}", layout::event_name(seq, action));
    let entries = [(name.clone(), bytes), (layout::signature_name(&name), sig)];
    let when = DosTime::from_unix(evidentia::model::parse_rfc3339(time).unwrap());
    append(b, &entries, when, &mut NoHook).unwrap();
}

#[test]
fn a_signed_unknown_action_fails_and_custody_add_refuses_it() {
    let (agency, _lab, b) = setup();
    let r = add(&agency, &b, &["--action", "disposed", "--time", T2]);
    r.expect_code(2);
    assert!(r.stderr.contains("unknown action"), "{}", r.stderr);
    // Signed by the holder, chained, bound: only the action is foreign.
    forge(&b, &examiner_signer(&agency), "disposed", T2);
    assert_fails(&agency, &b, "custody", "unknown custody action");
}

#[test]
fn a_second_seal_fails() {
    let (agency, _lab, b) = setup();
    forge(&b, &examiner_signer(&agency), "seal", T2);
    assert_fails(&agency, &b, "custody", "a second seal");
}

/// A second examiner of the agency, certified by the same root: trusted,
/// but not the one who sealed (and so holds) the evidence.
fn colleague(agency: &Party) -> String {
    let k = new_key(&agency.env, "Karl Second", "Police Agency", "DE", false);
    certify(&agency.env, &agency.root, &k, "2024-01-01", "2034-01-01");
    k
}

fn signer_of(p: &Party, key: &str) -> evidentia::sign::Signer {
    let store = KeyStore::open(p.env.home().join("keys"));
    let file = store
        .find(Some(key), evidentia::sign::keystore::KeyRole::Examiner)
        .unwrap();
    store.signer(&file, None).unwrap()
}

#[test]
fn only_the_holder_transfers_or_disposes() {
    let (agency, _lab, b) = setup();
    let karl = colleague(&agency);
    let before = std::fs::read(&b).unwrap();
    for extra in [
        &["--action", "transfer", "--to", LAB_TO][..],
        &["--action", "dispose"][..],
    ] {
        let mut args = vec!["--key", karl.as_str(), "--time", T2];
        args.extend_from_slice(extra);
        let r = add(&agency, &b, &args);
        r.expect_code(1);
        for want in ["does not hold the evidence", "Jana Examiner", "Karl Second"] {
            assert!(r.stderr.contains(want), "{want}: {}", r.stderr);
        }
        assert!(r.stderr.contains("nothing was appended"), "{}", r.stderr);
        assert_eq!(std::fs::read(&b).unwrap(), before, "the bundle changed");
    }
    // The holder may.
    let jana = agency.examiner.clone();
    add(
        &agency,
        &b,
        &["--key", &jana, "--action", "copy", "--time", T2],
    )
    .expect_code(0);
    // Forged with the library, the colleague's transfer fails verify,
    // naming who holds the evidence and who acted.
    let opts = EventOptions {
        action: "dispose".into(),
        time: 1_714_640_400,
        ..EventOptions::default()
    };
    add_event(&b, &opts, &signer_of(&agency, &karl), &mut NoHook).unwrap();
    let (r, v) = verify(&agency, &b, &[]);
    r.expect_code(1);
    let f = &v["findings"][0];
    assert_eq!(f["code"], "custody", "{v:#}");
    assert_eq!(f["path"], "custody/000003-dispose.json", "{v:#}");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("dispose by someone who does not hold the evidence"),
        "{msg}"
    );
    assert!(
        f["expected"]
            .as_str()
            .unwrap()
            .contains("Jana Examiner, Police Agency, DE")
    );
    assert!(
        f["actual"]
            .as_str()
            .unwrap()
            .contains("Karl Second, Police Agency, DE")
    );
}

#[test]
fn after_a_completed_transfer_the_receiver_holds_the_evidence() {
    let (agency, lab, b) = setup();
    transfer_and_receive(&agency, &lab, &b);
    // The sender no longer holds it.
    let r = add(&agency, &b, &["--action", "dispose", "--time", T4]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("held by Petr Lab, Forensic Lab, CZ"),
        "{}",
        r.stderr
    );
    // The receiver does: it transfers back, the agency receives, and then
    // the agency holds it again.
    add(
        &lab,
        &b,
        &["--action", "transfer", "--to", AGENCY_TO, "--time", T4],
    )
    .expect_code(0);
    run(&agency, &["receive", "--time", T4], &b).expect_code(0);
    add(&agency, &b, &["--action", "dispose", "--time", T4]).expect_code(0);
    for p in [&agency, &lab] {
        verify(p, &b, &[]).0.expect_code(0);
    }
}

#[test]
fn a_return_goes_back_to_the_sender_with_its_receive() {
    let (agency, lab, b) = setup();
    // The sealer received it from nobody: nothing to return.
    let r = add(&agency, &b, &["--action", "return", "--time", T2]);
    r.expect_code(1);
    assert!(r.stderr.contains("nobody to return to"), "{}", r.stderr);
    transfer_and_receive(&agency, &lab, &b);
    add(&lab, &b, &["--action", "return", "--time", T4]).expect_code(0);
    // Until the agency receives it, the lab still holds it.
    let r = add(&agency, &b, &["--action", "access", "--time", T4]);
    r.expect_code(1);
    run(&agency, &["receive", "--time", T4], &b).expect_code(0);
    add(&agency, &b, &["--action", "access", "--time", T4]).expect_code(0);
    let (r, v) = verify(&lab, &b, &[]);
    r.expect_code(0);
    assert_eq!(v["events"][4]["action"], "receive");
}

#[test]
fn an_expired_key_cannot_back_date_an_event_before_the_seal() {
    // Certified 2010 to 2025: valid at the seal (2024), expired today.
    let agency = party_valid(
        "Police Agency",
        "Jana Examiner",
        "DE",
        "2010-01-01",
        "2025-01-01",
    );
    agency.env.write("ev/a.txt", b"hello\n");
    let r = agency.env.run([
        "seal", "ev", "--out", "b.zip", "--case", "C-1", "--time", T1,
    ]);
    r.expect_code(0);
    let b = agency.env.path().join("b.zip");
    let before = std::fs::read(&b).unwrap();
    // Dated now, its certificate has expired: the event would not verify.
    let r = add(&agency, &b, &["--action", "note", "--note", "late"]);
    r.expect_code(1);
    assert!(r.stderr.contains("not trusted"), "{}", r.stderr);
    // Dated years back, when the certificate was valid: before the seal.
    let r = add(
        &agency,
        &b,
        &["--action", "note", "--time", "2019-06-01T00:00:00Z"],
    );
    r.expect_code(1);
    assert!(r.stderr.contains("before the seal"), "{}", r.stderr);
    assert_eq!(std::fs::read(&b).unwrap(), before, "the bundle changed");
    let opts = EventOptions {
        action: "note".into(),
        time: 1_559_347_200, // 2019-06-01
        ..EventOptions::default()
    };
    add_event(&b, &opts, &examiner_signer(&agency), &mut NoHook).unwrap();
    assert_fails(
        &agency,
        &b,
        "custody",
        "claimed time is before the seal (2024-05-01T12:00:00Z) by more than the 24-hour",
    );
    let _ = T3;
}

/// The sealed bundle's entries plus `n` events made by `event(seq, prev)`
/// (chained), each with the signature `sign` makes, written with `method`.
fn with_events(
    src: &Path,
    dst: &Path,
    n: u64,
    method: Method,
    event: impl Fn(u64, &str) -> Vec<u8>,
    sign: impl Fn(u64, &[u8]) -> Vec<u8>,
) {
    let (a, _) = Archive::open(src).unwrap();
    let mut out = ZipWriter::new(std::fs::File::create(dst).unwrap(), DosTime::from_unix(0));
    let mut prev = String::new();
    for e in a.entries() {
        out.set_time(e.modified);
        let d = a.read_small(&e, 1 << 30).unwrap();
        if e.name == "b/custody/000001-seal.json" {
            prev = hex_sha256(&d);
        }
        out.add_bytes(&e.name, Method::Stored, &d).unwrap();
    }
    for seq in 2..n + 2 {
        let bytes = event(seq, &prev);
        prev = hex_sha256(&bytes);
        out.set_time(event_time(&bytes));
        let name = format!("b/custody/{seq:06}-note.json");
        out.add_bytes(&name, method, &bytes).unwrap();
        out.add_bytes(&format!("{name}.minisig"), method, &sign(seq, &bytes))
            .unwrap();
    }
    out.finish().unwrap();
}

/// The DOS time `custody add` gives an event's entries (the event's
/// `time`), or 1980 when the bytes carry none.
fn event_time(bytes: &[u8]) -> DosTime {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let t = v["time"].as_str().unwrap_or_default();
    DosTime::from_unix(evidentia::model::parse_rfc3339(t).unwrap_or(0))
}

/// A note event of `agency`'s bundle `b`, chained to `prev`.
fn note_event(b: &Path, signer: &dyn EventSigner, seq: u64, prev: &str, note: &str) -> Vec<u8> {
    let (_, seal, tm) = chain_tail(b);
    let seal: CustodyEvent = serde_json::from_slice(&seal).unwrap();
    to_json_bytes(&CustodyEvent {
        kind: CUSTODY_EVENT_TYPE.into(),
        bundle_id: seal.bundle_id,
        seq,
        prev: Some(prev.into()),
        action: "note".into(),
        time: T2.into(),
        actor: Actor {
            key_id: Some(signer.key_id()),
            ..signer.actor()
        },
        tagmanifest_sha256: tm,
        recipient: None,
        completes: None,
        received_ciphertext_sha256: None,
        disclosure: None,
        exported_from: None,
        exported_to: None,
        location: None,
        purpose: None,
        note: Some(note.into()),
    })
}

/// Run `evidentia ARGS` under `ulimit -v` (KiB), with its peak RSS (KiB).
fn run_limited(env: &Env, limit_kib: u64, args: &[&str]) -> (crate::harness::Run, u64) {
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_evidentia"))
        .args(args)
        .current_dir(env.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("EVIDENTIA_HOME", env.home())
        .env("HOME", env.path())
        .env("LC_ALL", "C");
    env.run_cmd_rss(&mut c)
}

const TWO_GIB_KIB: u64 = 2 << 20;
const MAX_RSS_KIB: u64 = 100 << 10;

/// `n` validly signed and chained note events of `note_len` bytes of note
/// after `agency`'s bundle `b`, written to `name`.
fn signed_notes(agency: &Party, b: &Path, name: &str, n: u64, note_len: usize) -> String {
    let out = agency.env.path().join(name);
    let signer = examiner_signer(agency);
    let key = EventSigner::key_id(&signer);
    let (_, seal, _) = chain_tail(b);
    let id = serde_json::from_slice::<CustodyEvent>(&seal)
        .unwrap()
        .bundle_id;
    let note = "n".repeat(note_len);
    with_events(
        b,
        &out,
        n,
        Method::Stored,
        |seq, prev| note_event(b, &signer, seq, prev, &note),
        |seq, bytes| EventSigner::sign(&signer, bytes, &trusted_comment(&id, seq, &key)).unwrap(),
    );
    out.to_str().unwrap().to_string()
}

#[test]
fn thousands_of_small_events_stay_under_100_mib() {
    let (agency, _lab, b) = setup();
    // A clean chain of 3,001 short events verifies.
    let short = signed_notes(&agency, &b, "short.zip", 3000, 400);
    // 3,000 events of 32 KiB: each far under the 1 MiB cap, 94 MiB in
    // all, past the total; read whole and kept twice, they cost 200 MiB.
    let long = signed_notes(&agency, &b, "long.zip", 3000, 32 << 10);
    for (bundle, code) in [(&short, 0), (&long, 1)] {
        for args in [
            &["--json", "verify", bundle][..],
            &["--json", "custody", "show", bundle][..],
            &["report", bundle, "--format", "md", "-o", "r.md"][..],
        ] {
            let (r, rss) = run_limited(&agency.env, TWO_GIB_KIB, args);
            assert!(rss < MAX_RSS_KIB, "{args:?}: peak RSS {rss} KiB");
            assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        }
    }
    let (r, _) = run_limited(&agency.env, TWO_GIB_KIB, &["--json", "verify", &long]);
    assert!(
        r.stdout_str()
            .contains("not read: custody events and their signatures exceed")
    );
}

#[test]
fn a_small_zip_of_compressed_events_is_cut_at_the_totals() {
    let (agency, _lab, b) = setup();
    let bomb = agency.env.path().join("bomb.zip");
    // Each event just under the 1 MiB per-event cap, deflated to ~1 KiB.
    let pad = "a".repeat((1 << 20) - 1024);
    let signer = examiner_signer(&agency);
    with_events(
        &b,
        &bomb,
        1500,
        Method::Deflate,
        |seq, prev| note_event(&b, &signer, seq, prev, &pad),
        |_, _| b"not a signature".to_vec(),
    );
    let size = std::fs::metadata(&bomb).unwrap().len();
    assert!(size < 4 << 20, "{size}");
    let bomb = bomb.to_str().unwrap();
    let (r, rss) = run_limited(&agency.env, TWO_GIB_KIB, &["--json", "verify", bomb]);
    r.expect_code(1);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let cut = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap_or("").starts_with("not read:"));
    let cut = cut.unwrap_or_else(|| panic!("no \"not read\" finding: {v:#}"));
    assert_eq!(cut["code"], "custody");
    assert!(
        cut["message"].as_str().unwrap().contains("16777216 bytes"),
        "{cut}"
    );
    eprintln!("verify: peak RSS {rss} KiB");
    assert!(rss < MAX_RSS_KIB, "verify: peak RSS {rss} KiB");
    for args in [
        &["custody", "show", bomb][..],
        &["report", bomb, "--format", "md", "-o", "r.md"][..],
        &["custody", "add", bomb, "--action", "note"][..],
    ] {
        let (r, rss) = run_limited(&agency.env, TWO_GIB_KIB, args);
        // Cut at the totals as verify is: a problem found, not an error.
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        eprintln!("{args:?}: peak RSS {rss} KiB");
        assert!(rss < MAX_RSS_KIB, "{args:?}: peak RSS {rss} KiB");
    }
}

#[test]
fn ingest_with_a_key_refuses_a_receipt_verify_would_reject() {
    let (agency, lab, b) = setup();
    // Transferred to the lab; the agency's colleague tries to receive it.
    add(
        &agency,
        &b,
        &["--action", "transfer", "--to", LAB_TO, "--time", T2],
    )
    .expect_code(0);
    let karl = colleague(&agency);
    let before = std::fs::read(&b).unwrap();
    let locker = crate::backend::TestLocker::new(&agency.env).arg();
    let mut c = agency
        .env
        .cmd(["ingest", "--key", &karl, "--locker", &locker]);
    c.arg(&b);
    let r = agency.env.run_cmd(&mut c);
    r.expect_code(1);
    assert!(
        r.stderr.contains("not signed by the recipient"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&b).unwrap(), before, "the bundle changed");
    // The recipient's own ingest receives it.
    let locker = crate::backend::TestLocker::new(&lab.env).arg();
    let mut c = lab
        .env
        .cmd(["ingest", "--key", &lab.examiner, "--locker", &locker]);
    c.arg(&b);
    lab.env.run_cmd(&mut c).expect_code(0);
}
