//! The facts a report shows, read from the bundle with the same capped
//! reader `verify` uses: manifest.json and the custody events. Whatever
//! cannot be read or parsed is left out here; `verify` reports why.

use crate::bundle::{Archive, ZipError, layout};
use crate::model::{CustodyEvent, Manifest};
use crate::verify::{MAX_MANIFEST_JSON, MAX_TAG_FILE};
use std::path::Path;

/// One custody event as read from the bundle.
#[derive(Debug, Clone)]
pub struct EventFacts {
    /// The member name relative to the bag (`custody/000001-seal.json`).
    pub member: String,
    /// The parsed event.
    pub event: CustodyEvent,
}

/// What the bundle says about itself.
#[derive(Debug, Clone, Default)]
pub struct BundleFacts {
    /// The bag's base directory name.
    pub bag: Option<String>,
    /// manifest.json, when readable.
    pub manifest: Option<Manifest>,
    /// Custody events that parsed, in sequence order.
    pub events: Vec<EventFacts>,
}

/// Read the facts of the bundle at `path`.
pub fn read_facts(path: &Path) -> Result<BundleFacts, ZipError> {
    let (archive, _issues) = Archive::open(path)?;
    let mut facts = BundleFacts::default();
    let Some(first) = archive.entries().find(|e| e.safe) else {
        return Ok(facts);
    };
    let bag = first.name.split('/').next().unwrap_or("").to_string();
    let prefix = format!("{bag}/");
    for e in archive.entries().filter(|e| e.safe && !e.is_dir()) {
        let Some(rel) = e.name.strip_prefix(&prefix) else {
            continue;
        };
        if rel == layout::MANIFEST_JSON {
            facts.manifest = archive
                .read_json(&e, MAX_MANIFEST_JSON)
                .ok()
                .and_then(Result::ok);
        } else if rel.starts_with(layout::CUSTODY_DIR) && layout::parse_event_name(rel).is_some() {
            let parsed = archive
                .read_small(&e, MAX_TAG_FILE)
                .ok()
                .and_then(|b| serde_json::from_slice::<CustodyEvent>(&b).ok());
            if let Some(event) = parsed {
                facts.events.push(EventFacts {
                    member: rel.to_string(),
                    event,
                });
            }
        }
    }
    facts.events.sort_by_key(|e| e.event.seq);
    facts.bag = Some(bag);
    Ok(facts)
}
