//! The custody rules that span events, checked after each event was
//! checked on its own ([`super::custody`]):
//! - a transfer names its recipient;
//! - a `receive` names the open transfer before it (seq and SHA-256) and
//!   is signed by that transfer's recipient: the key when the transfer
//!   named one, otherwise a key the trust store binds to the recipient's
//!   name, organisation and country;
//! - nothing follows a `dispose`;
//! - claimed times going backwards are warnings, not failures (clocks of
//!   different agencies disagree; the order is fixed by the hash chain).

use super::{EventSummary, Finding, VerifyReport};
use crate::bundle::{layout, open_transfer};
use crate::model::{CustodyEvent, Party, parse_rfc3339};

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    }
}

/// Whether the signature on `s` is by `recipient`.
fn signed_by_recipient(s: &EventSummary, recipient: &Party) -> bool {
    if let Some(k) = &recipient.key_id {
        return s.signed_by.as_deref() == Some(k.as_str());
    }
    s.signer_identity.as_ref().is_some_and(|who| {
        same(&who.name, &recipient.name)
            && same(&who.organisation, &recipient.organisation)
            && same(&who.country, &recipient.country)
    })
}

fn describe(p: &Party) -> String {
    if let Some(k) = &p.key_id {
        return format!("key {k}");
    }
    [&p.name, &p.organisation, &p.country]
        .iter()
        .map(|x| x.as_deref().unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Check the cross-event rules over `report.events`.
pub fn check(report: &mut VerifyReport) {
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut disposed: Option<u64> = None;
    let mut last_time: Option<(i64, u64)> = None;
    let mut history: Vec<(u64, String, Option<CustodyEvent>)> = Vec::new();
    for s in &report.events {
        let path = layout::event_name(s.seq, &s.action);
        if let Some(d) = disposed {
            findings.push(Finding::values(
                "custody",
                &path,
                format!("event after the evidence was disposed of (event {d})"),
                "no event after dispose",
                s.action.clone(),
            ));
        }
        if let Ok(t) = parse_rfc3339(&s.time) {
            if let Some((prev, prev_seq)) = last_time.filter(|(p, _)| t < *p) {
                warnings.push(Finding::values(
                    "time-backwards",
                    &path,
                    format!("claimed time is earlier than event {prev_seq}'s"),
                    crate::model::format_rfc3339_utc(prev),
                    s.time.clone(),
                ));
            }
            last_time = Some((t, s.seq));
        }
        if let Some(ev) = &s.event {
            match ev.action.as_str() {
                "transfer" if ev.recipient.is_none() => findings.push(Finding::new(
                    "custody",
                    &path,
                    "transfer names no recipient",
                )),
                "receive" => receive(s, ev, &history, &mut findings, &path),
                "dispose" => disposed = Some(s.seq),
                _ => {}
            }
        }
        history.push((s.seq, s.sha256.clone(), s.event.clone()));
    }
    report.findings.extend(findings);
    report.warnings.extend(warnings);
}

fn receive(
    s: &EventSummary,
    ev: &CustodyEvent,
    history: &[(u64, String, Option<CustodyEvent>)],
    findings: &mut Vec<Finding>,
    path: &str,
) {
    let Some(open) = open_transfer(history) else {
        findings.push(Finding::new(
            "custody",
            path,
            "receive without a transfer before it",
        ));
        return;
    };
    let got = ev
        .completes
        .as_ref()
        .map(|c| format!("{} {}", c.seq, c.sha256))
        .unwrap_or_else(|| "null".into());
    let want = format!("{} {}", open.seq, open.sha256);
    if got != want {
        findings.push(Finding::values(
            "custody",
            path,
            "receive does not name the transfer it completes",
            want,
            got,
        ));
    }
    let recipient = history
        .iter()
        .find(|(seq, _, _)| *seq == open.seq)
        .and_then(|(_, _, e)| e.as_ref())
        .and_then(|e| e.recipient.clone());
    if let Some(r) = recipient {
        if !signed_by_recipient(s, &r) {
            let who = s
                .signer_identity
                .as_ref()
                .map(describe)
                .or_else(|| s.signed_by.clone().map(|k| format!("key {k}")))
                .unwrap_or_else(|| "no valid signature".into());
            findings.push(Finding::values(
                "receive-signer",
                path,
                format!(
                    "receive is not signed by the recipient named in transfer {}",
                    open.seq
                ),
                describe(&r),
                who,
            ));
        }
    }
}
