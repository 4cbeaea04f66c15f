//! The custody rules that span events, checked after each event was
//! checked on its own ([`super::custody`]): the closed action set, one
//! seal, custody continuity (who may add which action), receives signed by
//! their recipients, nothing after a dispose, and no claimed time before
//! the seal beyond the clock-skew tolerance. The rules themselves are
//! [`crate::model::CustodyRules`]; this module feeds it the verified
//! events, and [`check_append`] feeds it an event about to be appended,
//! so `custody add` and `receive` refuse exactly what verify would reject.
//!
//! Claimed times going backwards relative to the previous event are
//! warnings, not failures: clocks of different agencies disagree, and the
//! order is fixed by the hash chain.
//!
//! The events are read where they are, in the report; nothing is copied.

use super::{EventSummary, Finding, FindingCode, SignatureState, VerifyReport};
use crate::bundle::layout;
use crate::model::{Breach, CustodyRules, Signer, Step, format_rfc3339_utc, parse_rfc3339};

/// The signer of `s` when its signature verified against the trust store;
/// otherwise unknown (and a `signature` finding of its own).
fn signer_of(s: &EventSummary) -> Option<Signer> {
    let key_id = s
        .signed_by
        .clone()
        .filter(|_| s.signature == SignatureState::Trusted)?;
    Some(Signer {
        key_id,
        identity: s.signer_identity.clone(),
    })
}

/// Apply the rules to one event, as findings on its member.
fn apply(rules: &mut CustodyRules, s: &EventSummary) -> Vec<Finding> {
    let signer = signer_of(s);
    let step = Step {
        seq: s.seq,
        sha256: &s.sha256,
        action: &s.action,
        event: s.event.as_ref(),
        signer: signer.as_ref(),
    };
    let path = layout::event_name(s.seq, &s.action);
    rules
        .apply(&step)
        .into_iter()
        .map(|b: Breach| Finding {
            code: breach_code(b.code),
            path: path.clone(),
            message: b.message,
            expected: b.expected,
            actual: b.actual,
        })
        .collect()
}

/// The finding code of a breach: the rules, being below `verify`, name
/// theirs as a string (`custody` or `receive-signer`).
fn breach_code(code: &str) -> FindingCode {
    FindingCode::from_name(code).unwrap_or(FindingCode::Custody)
}

/// Check the cross-event rules over `report.events`.
pub fn check(report: &mut VerifyReport) {
    let mut rules = CustodyRules::new();
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut last_time: Option<(i64, u64)> = None;
    for s in &report.events {
        findings.extend(apply(&mut rules, s));
        if let Ok(t) = parse_rfc3339(&s.time) {
            if let Some((prev, prev_seq)) = last_time.filter(|(p, _)| t < *p) {
                warnings.push(Finding::values(
                    FindingCode::TimeBackwards,
                    layout::event_name(s.seq, &s.action),
                    format!("claimed time is earlier than event {prev_seq}'s"),
                    format_rfc3339_utc(prev),
                    s.time.clone(),
                ));
            }
            last_time = Some((t, s.seq));
        }
    }
    report.findings.extend(findings);
    report.warnings.extend(warnings);
}

/// The findings verify would report for `next` if it were appended after
/// `events` (the events of a bundle as verified): empty when the custody
/// rules allow it. `custody add` and `receive` ask this before writing.
pub fn check_append(events: &[EventSummary], next: &EventSummary) -> Vec<Finding> {
    let mut rules = CustodyRules::new();
    for s in events {
        // The bundle's own findings are the caller's verify report.
        apply(&mut rules, s);
    }
    apply(&mut rules, next)
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
