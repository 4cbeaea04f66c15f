//! Who is named in a report, and how: signers, recipients and keys.
//!
//! Invariant: a name shown as a person's comes only from an identity that
//! verify proved against the trust store (a pinned key's entry, or a
//! certificate that verified against a trusted root). A key without one is
//! shown by its key id and marked "no certified identity"; what an event
//! claims is shown only as a claim, marked unproven.

use super::document::{Cell, Part};
use crate::model::{Actor, Party};
use crate::sign::Identity;
use crate::sign::keyid::KeyId;
use crate::verify::{EventSummary, NO_IDENTITY, SignatureState, SignerKind, VerifyReport};

/// Groups of four hex digits on one line of a printed fingerprint: four
/// lines of four groups fit a table column on A4.
const GROUPS_PER_LINE: usize = 4;

/// The identity proven for key `key_id` (hex, any case) in this bundle:
/// that of a custody event it signed whose signature verified against the
/// trust store with a certified identity. `None` when the key signed no
/// such event, whatever its bundled certificate or the events claim.
pub fn certified_identity<'a>(r: &'a VerifyReport, key_id: &str) -> Option<&'a Identity> {
    r.events
        .iter()
        .filter(|s| s.signature == SignatureState::Trusted)
        .filter(|s| {
            s.signed_by
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key_id))
        })
        .find_map(|s| s.certified_identity.as_ref())
}

/// `parts` joined by `sep` (our words) as values.
fn joined<'a>(values: impl IntoIterator<Item = &'a String>, sep: &str) -> Vec<Part> {
    let mut out = Vec::new();
    for v in values {
        if !out.is_empty() {
            out.push(Part::Ours(sep.into()));
        }
        out.push(Part::Value(v.clone()));
    }
    out
}

/// "name <email>, organisation (country), role", each field a value of
/// its own (isolated from the others in HTML).
pub fn identity_parts(i: &Identity) -> Vec<Part> {
    let mut v = vec![Part::Value(i.name.clone())];
    if let Some(e) = &i.email {
        v.extend([
            Part::Ours(" <".into()),
            Part::Value(e.clone()),
            Part::Ours(">".into()),
        ]);
    }
    v.extend([
        Part::Ours(", ".into()),
        Part::Value(i.org.clone()),
        Part::Ours(" (".into()),
        Part::Value(i.country.clone()),
        Part::Ours(")".into()),
    ]);
    if let Some(r) = &i.role {
        v.extend([Part::Ours(", ".into()), Part::Value(r.clone())]);
    }
    v
}

/// The claimed name fields of an actor or party.
fn claims(fields: [&Option<String>; 4]) -> Vec<&String> {
    fields.into_iter().flatten().collect()
}

/// The "who" fields of a timeline stop: the signer's proven identity, or
/// "no certified identity" with the event's claim marked unproven; "signed
/// by a root key" when a root key signed itself.
pub fn signer_fields(check: Option<&EventSummary>, a: &Actor) -> Vec<(&'static str, Cell)> {
    let mut v = Vec::new();
    match check.and_then(|c| c.certified_identity.as_ref()) {
        Some(i) => {
            v.push(("Who", Cell::Text(i.name.clone())));
            v.push(("Organisation", Cell::Text(i.org.clone())));
            v.push(("Country", Cell::Text(i.country.clone())));
            if let Some(role) = &i.role {
                v.push(("Role", Cell::Text(role.clone())));
            }
        }
        None => {
            let trusted = check.is_some_and(|c| c.signature == SignatureState::Trusted);
            let who = if trusted {
                NO_IDENTITY
            } else {
                "signer not verified"
            };
            v.push(("Who", Cell::Text(who.into())));
            let claim = claims([&a.name, &a.organisation, &a.country, &a.role]);
            if !claim.is_empty() {
                v.push(("Claims (unproven)", Cell::Parts(joined(claim, ", "))));
            }
        }
    }
    if check.and_then(|c| c.signer_kind) == Some(SignerKind::Root) {
        v.push((
            "Signed by",
            Cell::Text("a root key (the agency root itself)".into()),
        ));
    }
    v
}

/// The recipient of a transfer. A recipient named by key is shown with
/// the identity proven for that key in this bundle ([`certified_identity`]),
/// else by the key id alone, marked "no certified identity"; names the
/// event gives beside a key are its signer's claim, marked unproven; a
/// recipient named without a key is as the sender named it.
pub fn recipient(r: &VerifyReport, to: &Party) -> Cell {
    let named = claims([&to.name, &to.organisation, &to.country, &None]);
    let Some(key) = &to.key_id else {
        let mut v = joined(named, ", ");
        v.push(Part::Ours(" (as named by the sender; no key)".into()));
        return Cell::Parts(v);
    };
    let mut v = match certified_identity(r, key) {
        Some(i) => {
            let mut v = identity_parts(i);
            v.push(Part::Ours(" (certified identity of key ".into()));
            v.push(Part::Value(key.clone()));
            v.push(Part::Ours(")".into()));
            v
        }
        None => vec![
            Part::Ours("key ".into()),
            Part::Value(key.clone()),
            Part::Ours(format!(" ({NO_IDENTITY})")),
        ],
    };
    if !named.is_empty() {
        v.push(Part::Ours("; named in the event (unproven): ".into()));
        v.extend(joined(named, ", "));
    }
    Cell::Parts(v)
}

/// [`recipient`] as one string (for the CASE export, which escapes it).
pub fn recipient_text(r: &VerifyReport, to: &Party) -> String {
    recipient(r, to).raw_text()
}

/// A key's fingerprint as documented (docs/formats/keys.md, `key show`:
/// the key id in upper-case groups of four, [`KeyId::fingerprint`]), in
/// lines of [`GROUPS_PER_LINE`] groups; a key id that is not 64 hex
/// digits is shown as it is.
pub fn fingerprint(key_id: &str) -> Cell {
    let Some(id) = KeyId::parse(key_id) else {
        return Cell::Text(key_id.to_string());
    };
    let fp = id.fingerprint();
    let groups: Vec<&str> = fp.split(' ').collect();
    Cell::Fingerprint(
        groups
            .chunks(GROUPS_PER_LINE)
            .map(|line| line.join(" "))
            .collect(),
    )
}

/// The rows of the signers table: one per signing key (the key that made
/// each signature, else the key the event names), with its proven
/// identity, fingerprint and trust path.
pub fn signer_rows(r: &VerifyReport) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for s in &r.events {
        let key = s
            .signed_by
            .clone()
            .or_else(|| s.key_id.clone())
            .unwrap_or_default();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        // Only a proven identity names a signer (never the events' claims).
        let who = match (&s.certified_identity, s.signature) {
            (Some(i), _) => Cell::Parts(identity_parts(i)),
            (None, SignatureState::Trusted) => Cell::Text(NO_IDENTITY.to_string()),
            (None, _) => Cell::Text("signer not verified".to_string()),
        };
        let trust = s.trust.clone().unwrap_or_else(|| s.signature.to_string());
        rows.push(vec![who, fingerprint(&key), Cell::Text(trust)]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(seq: u64, key: &str, trusted: bool, who: Option<&str>) -> EventSummary {
        EventSummary {
            seq,
            action: "receive".into(),
            time: "2024-05-01T12:00:00Z".into(),
            key_id: Some(key.into()),
            signature: if trusted {
                SignatureState::Trusted
            } else {
                SignatureState::Untrusted
            },
            trust: None,
            event: None,
            sha256: String::new(),
            signed_by: Some(key.into()),
            signer_identity: None,
            signer_kind: None,
            certified_identity: who.map(|n| Identity {
                name: n.into(),
                org: "Lab".into(),
                country: "CZ".into(),
                email: None,
                role: None,
            }),
        }
    }

    fn text(c: &Cell) -> String {
        c.raw_text()
    }

    #[test]
    fn a_recipient_key_is_named_only_by_a_trusted_certified_signature() {
        let k = "135ae6".repeat(10) + "abcd";
        let to = Party {
            key_id: Some(k.clone()),
            ..Party::default()
        };
        let mut r = VerifyReport::default();
        r.events
            .push(summary(1, &"0".repeat(64), true, Some("Seal Er")));
        assert_eq!(
            text(&recipient(&r, &to)),
            format!("key {k} (no certified identity)")
        );
        // Signed by the key, but not trusted: still not named.
        r.events.push(summary(3, &k, false, Some("Petr Novak")));
        assert!(!text(&recipient(&r, &to)).contains("Petr"));
        r.events.push(summary(
            4,
            &k.to_ascii_uppercase(),
            true,
            Some("Petr Novak"),
        ));
        assert_eq!(
            text(&recipient(&r, &to)),
            format!("Petr Novak, Lab (CZ) (certified identity of key {k})")
        );
    }

    #[test]
    fn fingerprints_are_the_documented_groups_four_to_a_line() {
        let id = "79c06f96fa1c397e0fe721b5".to_string() + &"0".repeat(36) + "97f5";
        let Cell::Fingerprint(lines) = fingerprint(&id) else {
            panic!("not a fingerprint");
        };
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "79C0 6F96 FA1C 397E");
        assert_eq!(lines[3], "0000 0000 0000 97F5");
        let whole = KeyId::parse(&id).map(|k| k.fingerprint());
        assert_eq!(Some(lines.join(" ")), whole);
        assert!(matches!(fingerprint("zz"), Cell::Text(_)));
    }
}
