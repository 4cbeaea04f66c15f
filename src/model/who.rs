//! Who someone is: the one identity shape (name, organisation, country,
//! e-mail, role) behind the three documents that carry it, [`Actor`] (who
//! performed a custody action, as the event claims), [`Party`] (whom a
//! transfer names) and `sign::Identity` (the identity bound to a key).
//!
//! The three keep their own fields because their wire forms differ, and
//! those bytes are signed: an actor always writes `key_id` (null when
//! unsigned) and has no e-mail; a party omits an absent `key_id` and has
//! no role; an identity spells the organisation `org`, requires name,
//! organisation and country, and has an e-mail. (`serde(flatten)` would
//! share the fields but cannot be combined with `deny_unknown_fields`.)
//! What they share is [`Who`], a borrowed view each of them gives, and
//! the conversions between them go through it: one definition of the
//! shape, of what carries over, and of "the same person".

use serde::{Deserialize, Serialize};

/// The identity shape, borrowed: the fields a document has, `None` where
/// it has none or leaves one out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Who<'a> {
    /// Person's (or service's) name.
    pub name: Option<&'a str>,
    /// Organisation.
    pub organisation: Option<&'a str>,
    /// ISO 3166 country code.
    pub country: Option<&'a str>,
    /// Contact e-mail address (only a key's identity has one).
    pub email: Option<&'a str>,
    /// Role (a party has none).
    pub role: Option<&'a str>,
}

/// Both present and equal, ignoring case and surrounding spaces.
fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    }
}

impl Who<'_> {
    /// Whether `self` and `other` name the same person: name,
    /// organisation and country each present in both and equal, ignoring
    /// case and surrounding spaces (e-mail and role are not compared).
    pub fn same_person(&self, other: &Who<'_>) -> bool {
        same_text(self.name, other.name)
            && same_text(self.organisation, other.organisation)
            && same_text(self.country, other.country)
    }
}

/// Who performed a custody action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The signer's key id (absent only for an unsigned event).
    pub key_id: Option<String>,
    /// Person's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// ISO 3166 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The party a transfer names as recipient: a key id (`--to-key`), or a
/// name, organisation and ISO 3166 country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The recipient's key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Person's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// ISO 3166 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

impl Actor {
    /// The actor `who` is, signing with `key_id`: name, organisation,
    /// country and role carry over (an actor has no e-mail).
    pub fn claiming(key_id: Option<String>, who: Who<'_>) -> Actor {
        Actor {
            key_id,
            name: owned(who.name),
            organisation: owned(who.organisation),
            country: owned(who.country),
            role: owned(who.role),
        }
    }

    /// The identity the actor claims.
    pub fn who(&self) -> Who<'_> {
        Who {
            name: self.name.as_deref(),
            organisation: self.organisation.as_deref(),
            country: self.country.as_deref(),
            email: None,
            role: self.role.as_deref(),
        }
    }
}

impl Party {
    /// The party `who` is, named without a key: name, organisation and
    /// country carry over (a party has no e-mail or role).
    pub fn naming(who: Who<'_>) -> Party {
        Party {
            key_id: None,
            name: owned(who.name),
            organisation: owned(who.organisation),
            country: owned(who.country),
        }
    }

    /// The identity the party is named by.
    pub fn who(&self) -> Who<'_> {
        Who {
            name: self.name.as_deref(),
            organisation: self.organisation.as_deref(),
            country: self.country.as_deref(),
            email: None,
            role: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who<'a>(name: &'a str, org: &'a str, cc: &'a str) -> Who<'a> {
        Who {
            name: Some(name),
            organisation: Some(org),
            country: Some(cc),
            email: Some("x@example.org"),
            role: Some("examiner"),
        }
    }

    #[test]
    fn conversions_carry_what_each_document_has() {
        let w = who("Jana", "Lab", "CZ");
        let a = Actor::claiming(Some("k".into()), w);
        assert_eq!(a.who(), Who { email: None, ..w });
        let p = Party::naming(w);
        assert_eq!(p.key_id, None);
        assert_eq!(
            p.who(),
            Who {
                email: None,
                role: None,
                ..w
            }
        );
        assert_eq!(Actor::claiming(None, p.who()).role, None);
    }

    #[test]
    fn the_same_person_ignores_case_spaces_email_and_role() {
        let a = who("Jana Novak", "Lab", "CZ");
        let b = Who {
            email: None,
            role: None,
            ..who(" jana novak ", "LAB", "cz")
        };
        assert!(a.same_person(&b));
        assert!(!a.same_person(&who("Jan Novak", "Lab", "CZ")));
        // A field missing on either side is never a match.
        let unnamed = Who { name: None, ..a };
        assert!(!unnamed.same_person(&unnamed));
    }

    #[test]
    fn wire_forms_stay_apart() {
        // An actor writes its key id even when absent; a party omits it.
        let a = serde_json::to_string(&Actor::default()).unwrap();
        assert_eq!(a, r#"{"key_id":null}"#);
        assert_eq!(serde_json::to_string(&Party::default()).unwrap(), "{}");
        let full = Actor::claiming(Some("k".into()), who("N", "O", "CZ"));
        assert_eq!(
            serde_json::to_string(&full).unwrap(),
            r#"{"key_id":"k","name":"N","organisation":"O","country":"CZ","role":"examiner"}"#
        );
        let p = Party::naming(who("N", "O", "CZ"));
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"name":"N","organisation":"O","country":"CZ"}"#
        );
        assert!(serde_json::from_str::<Party>(r#"{"role":"x"}"#).is_err());
        assert!(serde_json::from_str::<Actor>(r#"{"key_id":null,"email":"x"}"#).is_err());
    }
}
