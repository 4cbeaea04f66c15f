//! Who a key belongs to: name, organisation, ISO 3166-1 alpha-2 country,
//! optional e-mail and role. Validated on creation and on parsing.
//!
//! The shape is the one custody actors and parties share
//! ([`crate::model::Who`], given by [`Identity::who`]); this document
//! keeps its own fields because its wire form is its own (`org`, and
//! name, organisation and country required).

use crate::model::Who;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest accepted identity field, in bytes.
pub const MAX_FIELD_LEN: usize = 256;

/// The identity bound to a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The person or service (e.g. "Jana Novak").
    pub name: String,
    /// The organisation (e.g. "Policie CR, NCOZ").
    pub org: String,
    /// ISO 3166-1 alpha-2 country code, uppercase.
    pub country: String,
    /// Contact e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Role (e.g. "examiner", "agency-root").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Why an identity is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    /// A required field is empty.
    #[error("the {field} must not be empty")]
    Empty {
        /// Which field.
        field: &'static str,
    },
    /// A field is too long or holds control characters.
    #[error("the {field} must be at most {MAX_FIELD_LEN} bytes without control characters")]
    BadText {
        /// Which field.
        field: &'static str,
    },
    /// The country is not an assigned ISO 3166-1 alpha-2 code.
    #[error("{code:?} is not an assigned ISO 3166-1 alpha-2 country code")]
    Country {
        /// The rejected code.
        code: String,
    },
}

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted.
pub const ISO_3166_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Whether `code` (uppercase) is an assigned ISO 3166-1 alpha-2 code.
pub fn is_country_code(code: &str) -> bool {
    ISO_3166_ALPHA2.binary_search(&code).is_ok()
}

fn check_text(field: &'static str, s: &str, required: bool) -> Result<(), IdentityError> {
    if required && s.trim().is_empty() {
        return Err(IdentityError::Empty { field });
    }
    if s.len() > MAX_FIELD_LEN || s.chars().any(char::is_control) {
        return Err(IdentityError::BadText { field });
    }
    Ok(())
}

impl Identity {
    /// Build a validated identity; the country is upper-cased first.
    pub fn new(
        name: &str,
        org: &str,
        country: &str,
        email: Option<&str>,
        role: Option<&str>,
    ) -> Result<Identity, IdentityError> {
        let id = Identity {
            name: name.to_string(),
            org: org.to_string(),
            country: country.to_ascii_uppercase(),
            email: email.map(str::to_string),
            role: role.map(str::to_string),
        };
        id.validate()?;
        Ok(id)
    }

    /// Check every field (also used after parsing a file).
    pub fn validate(&self) -> Result<(), IdentityError> {
        check_text("name", &self.name, true)?;
        check_text("organisation", &self.org, true)?;
        if !is_country_code(&self.country) {
            return Err(IdentityError::Country {
                code: self.country.chars().take(8).collect(),
            });
        }
        if let Some(e) = &self.email {
            check_text("e-mail", e, true)?;
        }
        if let Some(r) = &self.role {
            check_text("role", r, true)?;
        }
        Ok(())
    }

    /// The identity shape of this identity: every field present but the
    /// optional e-mail and role.
    pub fn who(&self) -> Who<'_> {
        Who {
            name: Some(&self.name),
            organisation: Some(&self.org),
            country: Some(&self.country),
            email: self.email.as_deref(),
            role: self.role.as_deref(),
        }
    }

    /// One line for people: `Name <email>, Org (CC), role`.
    pub fn display(&self) -> String {
        let mut s = self.name.clone();
        if let Some(e) = &self.email {
            s.push_str(&format!(" <{e}>"));
        }
        s.push_str(&format!(", {} ({})", self.org, self.country));
        if let Some(r) = &self.role {
            s.push_str(&format!(", {r}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_is_sorted_and_real() {
        assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        for c in ["CZ", "DE", "FR", "GB", "US", "SS", "XK"] {
            assert_eq!(is_country_code(c), c != "XK", "{c}");
        }
        for c in ["UK", "EU", "ZZ", "cz", "C", "CZE", ""] {
            assert!(!is_country_code(c), "{c}");
        }
    }

    #[test]
    fn validates_fields() {
        let ok = Identity::new("Jana", "NCOZ", "cz", None, Some("examiner")).unwrap();
        assert_eq!(ok.country, "CZ");
        assert!(matches!(
            Identity::new("", "O", "CZ", None, None),
            Err(IdentityError::Empty { .. })
        ));
        assert!(matches!(
            Identity::new("a\x1b", "O", "CZ", None, None),
            Err(IdentityError::BadText { .. })
        ));
        assert!(matches!(
            Identity::new("a", "O", "UK", None, None),
            Err(IdentityError::Country { .. })
        ));
        assert!(Identity::new(&"x".repeat(300), "O", "CZ", None, None).is_err());
    }

    #[test]
    fn its_shape_is_the_shared_one() {
        let id = Identity::new("Jana", "NCOZ", "CZ", Some("j@x.cz"), Some("examiner")).unwrap();
        let who = id.who();
        assert_eq!(
            (who.name, who.organisation, who.country, who.email, who.role),
            (
                Some("Jana"),
                Some("NCOZ"),
                Some("CZ"),
                Some("j@x.cz"),
                Some("examiner")
            )
        );
        let bare = Identity::new("Jana", "NCOZ", "CZ", None, None).unwrap();
        assert_eq!((bare.who().email, bare.who().role), (None, None));
        // The wire form keeps `org` and leaves absent options out.
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"name":"Jana","org":"NCOZ","country":"CZ"}"#
        );
    }
}
