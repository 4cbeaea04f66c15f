//! Case and legal metadata: what a receiving lab and a court need to know
//! about why and under which authority evidence was seized. Read from
//! flags or a `--meta` JSON or TOML file (unknown keys are an error),
//! recorded in `manifest.json` and mirrored in `bag-info.txt`.

use serde::{Deserialize, Serialize};

/// The kind of data, as the e-Evidence Regulation distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataCategory {
    /// Subscriber data.
    Subscriber,
    /// Traffic data.
    Traffic,
    /// Content data.
    Content,
    /// Anything else.
    Other,
}

impl DataCategory {
    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            DataCategory::Subscriber => "subscriber",
            DataCategory::Traffic => "traffic",
            DataCategory::Content => "content",
            DataCategory::Other => "other",
        }
    }
}

/// Case and legal metadata. Every field but the case reference is
/// optional; the meta file uses exactly these keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMeta {
    /// The case reference (required for a seal).
    #[serde(default)]
    pub case_reference: String,
    /// Legal basis or instrument (e.g. "Budapest Convention art. 31").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Reference number of the instrument (order, warrant, request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_reference: Option<String>,
    /// The issuing authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    /// The issuing state (ISO 3166).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_state: Option<String>,
    /// The issuing authority's file number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_file_number: Option<String>,
    /// The requesting authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requesting_authority: Option<String>,
    /// The executing authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executing_authority: Option<String>,
    /// The offence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offence: Option<String>,
    /// A brief summary of the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_of_facts: Option<String>,
    /// The data category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_category: Option<DataCategory>,
    /// Start of the time range covered (RFC 3339 or a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range_start: Option<String>,
    /// End of the time range covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range_end: Option<String>,
    /// Urgency (free text, e.g. "emergency: 8 hours").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// Use limitations (speciality rule, purposes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_limitations: Option<String>,
    /// Confidentiality conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality: Option<String>,
    /// The exhibit number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exhibit: Option<String>,
    /// Item numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// A description of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The examiner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examiner: Option<String>,
    /// The examiner's organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Where the evidence was seized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seizure_place: Option<String>,
    /// When the evidence was seized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seizure_time: Option<String>,
}

impl CaseMeta {
    /// Parse a meta file in TOML (unknown keys are an error).
    pub fn from_toml(text: &str) -> Result<CaseMeta, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Parse a meta file in JSON (unknown keys are an error).
    pub fn from_json(text: &str) -> Result<CaseMeta, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The bag-info.txt labels mirroring this metadata, in a fixed order.
    /// Reserved BagIt labels are used where one fits (Source-Organization,
    /// Contact-Name, External-Description).
    pub fn bag_info_labels(&self) -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> = Vec::new();
        let mut opt = |label: &'static str, value: &Option<String>| {
            if let Some(x) = value {
                v.push((label, x.clone()));
            }
        };
        opt("Source-Organization", &self.organisation);
        opt("Contact-Name", &self.examiner);
        opt("External-Description", &self.description);
        v.push(("Case-Reference", self.case_reference.clone()));
        let mut opt = |label: &'static str, value: &Option<String>| {
            if let Some(x) = value {
                v.push((label, x.clone()));
            }
        };
        opt("Legal-Basis", &self.legal_basis);
        opt("Legal-Reference", &self.legal_reference);
        opt("Issuing-Authority", &self.issuing_authority);
        opt("Issuing-State", &self.issuing_state);
        opt("Issuing-File-Number", &self.issuing_file_number);
        opt("Requesting-Authority", &self.requesting_authority);
        opt("Executing-Authority", &self.executing_authority);
        opt("Offence", &self.offence);
        opt("Summary-Of-Facts", &self.summary_of_facts);
        opt(
            "Data-Category",
            &self.data_category.map(|c| c.name().to_string()),
        );
        opt("Time-Range-Start", &self.time_range_start);
        opt("Time-Range-End", &self.time_range_end);
        opt("Urgency", &self.urgency);
        opt("Use-Limitations", &self.use_limitations);
        opt("Confidentiality", &self.confidentiality);
        opt("Exhibit-Number", &self.exhibit);
        opt("Seizure-Place", &self.seizure_place);
        opt("Seizure-Time", &self.seizure_time);
        for item in &self.items {
            v.push(("Item-Number", item.clone()));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        let ok: CaseMeta =
            serde_json::from_str(r#"{"case_reference":"C1","data_category":"traffic"}"#).unwrap();
        assert_eq!(ok.data_category, Some(DataCategory::Traffic));
        assert!(serde_json::from_str::<CaseMeta>(r#"{"case_refrence":"C1"}"#).is_err());
        let t: CaseMeta = toml::from_str("case_reference = \"C2\"\nitems = [\"1\"]\n").unwrap();
        assert_eq!(t.items, vec!["1"]);
        assert!(toml::from_str::<CaseMeta>("bogus = 1\n").is_err());
    }
}
