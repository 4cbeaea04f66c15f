//! Identities in custody events: the `actor` an event names (name,
//! organisation, country, role) is the signer's *claim*; the identity
//! proven for the signer comes only from the trust store (a pinned key's
//! own entry) or from a certificate that verified against a trusted root
//! ([`crate::sign::verify_signature`]).
//!
//! Rules, checked after each event's signature ([`super::custody`]):
//! - an event signed by a trusted key with a proven identity must name
//!   that identity as its actor: a difference is an `actor-identity`
//!   finding (expected: the certified identity, actual: the claim). Name
//!   and organisation are compared ignoring case and surrounding spaces,
//!   country and role exactly (after trimming; the country upper-cased);
//! - a trusted key without a proven identity (a bare pinned key) proves
//!   nothing about the actor: not a finding by itself, but the claim must
//!   never be shown as an identity (displays say "no certified identity").
//!
//! This module only reads the report; it never shows a name itself.

use super::{EventSummary, Finding, FindingCode, SignerKind, VerifyReport};
use crate::bundle::layout;
use crate::model::{Actor, Party};
use crate::sign::Identity;

/// The finding code of an event whose actor is not its signer's certified
/// identity.
pub const ACTOR_IDENTITY: FindingCode = FindingCode::ActorIdentity;

/// Record what a trusted signature proved about its signer on `summary`.
pub fn record_signer(summary: &mut EventSummary, identity: Option<Identity>, kind: SignerKind) {
    summary.signer_identity = identity.as_ref().map(|i| Party::naming(i.who()));
    summary.signer_kind = Some(kind);
    summary.certified_identity = identity;
}

fn loose(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.trim().to_lowercase() == b.trim().to_lowercase())
}

fn exact(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(str::trim) == b.map(str::trim)
}

/// The fields of `actor` that differ from `who`, by name.
fn differences(actor: &Actor, who: &Identity) -> Vec<&'static str> {
    let mut d = Vec::new();
    if !loose(actor.name.as_deref(), &who.name) {
        d.push("name");
    }
    if !loose(actor.organisation.as_deref(), &who.org) {
        d.push("organisation");
    }
    let cc = actor
        .country
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase());
    if cc.as_deref() != Some(who.country.as_str()) {
        d.push("country");
    }
    if !exact(actor.role.as_deref(), who.role.as_deref()) {
        d.push("role");
    }
    d
}

/// `name, organisation, country, role` of an identity.
pub fn identity_text(who: &Identity) -> String {
    let mut s = format!("{}, {}, {}", who.name, who.org, who.country);
    s.push_str(&format!(", {}", who.role.as_deref().unwrap_or("(no role)")));
    s
}

/// The same four fields of a claimed actor (`?` where absent).
pub fn actor_text(a: &Actor) -> String {
    let f = |x: &Option<String>| x.clone().unwrap_or_else(|| "?".into());
    format!(
        "{}, {}, {}, {}",
        f(&a.name),
        f(&a.organisation),
        f(&a.country),
        a.role.clone().unwrap_or_else(|| "(no role)".into())
    )
}

/// Compare every trusted event's actor with its signer's proven identity.
pub fn check(report: &mut VerifyReport) {
    let mut findings = Vec::new();
    for s in &report.events {
        let (Some(who), Some(ev)) = (&s.certified_identity, &s.event) else {
            continue;
        };
        let diff = differences(&ev.actor, who);
        if diff.is_empty() {
            continue;
        }
        findings.push(Finding::values(
            ACTOR_IDENTITY,
            layout::event_name(s.seq, &s.action),
            format!(
                "the event's actor is not its signer's certified identity ({} differ{})",
                diff.join(", "),
                if diff.len() == 1 { "s" } else { "" }
            ),
            identity_text(who),
            actor_text(&ev.actor),
        ));
    }
    report.findings.extend(findings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Option<&str>) -> Identity {
        Identity::new("Jana Novak", "Policie CR", "CZ", None, role).unwrap()
    }

    fn actor(name: &str, org: &str, cc: &str, role: Option<&str>) -> Actor {
        Actor {
            key_id: Some("k".into()),
            name: Some(name.into()),
            organisation: Some(org.into()),
            country: Some(cc.into()),
            role: role.map(str::to_string),
        }
    }

    #[test]
    fn case_and_spaces_are_ignored_in_name_and_org_only() {
        let w = who(Some("examiner"));
        let same = actor(" jana novak ", "POLICIE CR", "CZ", Some("examiner"));
        assert!(differences(&same, &w).is_empty());
        let judge = actor("Judge J. Smith", "Supreme Court", "CZ", Some("judge"));
        assert_eq!(differences(&judge, &w), ["name", "organisation", "role"]);
        let other_cc = actor("Jana Novak", "Policie CR", "SK", Some("examiner"));
        assert_eq!(differences(&other_cc, &w), ["country"]);
        let role_case = actor("Jana Novak", "Policie CR", "CZ", Some("Examiner"));
        assert_eq!(differences(&role_case, &w), ["role"]);
        let no_role = actor("Jana Novak", "Policie CR", "CZ", None);
        assert_eq!(differences(&no_role, &w), ["role"]);
        assert!(differences(&no_role, &who(None)).is_empty());
        let unnamed = Actor {
            key_id: Some("k".into()),
            ..Actor::default()
        };
        assert_eq!(
            differences(&unnamed, &who(None)),
            ["name", "organisation", "country"]
        );
    }

    #[test]
    fn custody_comments_are_in_their_own_domain() {
        use crate::sign::SignatureKind;
        let c = crate::bundle::trusted_comment("b", 1, "k");
        assert_eq!(SignatureKind::of(&c), SignatureKind::CustodyEvent);
    }
}
