//! The CASE/UCO nodes of proportional disclosure (`evidentia export`),
//! part of [`super`] (docs/report.md, "CASE/UCO mapping"):
//!
//! - a derived bundle whose origin verify proved gets the original bundle
//!   (`uco-observable:ArchiveFile`), the original's seal and the export as
//!   `case-investigation:InvestigativeAction`s (the export's object is the
//!   original, its result the derived bundle's provenance records, which
//!   were `case-investigation:wasDerivedFrom` the original), chained by
//!   `wasInformedBy` to the derived bundle's own seal;
//! - an `export` custody event of any bundle results in the derived
//!   bundle that left (`uco-observable:ArchiveFile`).
//!
//! Invariant: the derivation is written only from the verify report's
//! [`crate::verify::Provenance`] (proven); people only from proven
//! identities (the original signer from the provenance, the exporter from
//! the derived seal's certified identity).

use super::{Graph, actor_nodes, dt, human, plain, proven_actor};
use crate::model::{Actor, CustodyEvent};
use crate::verify::Provenance;
use crate::wording::count;
use serde_json::{Value, json};

/// The IRI role of the bundle with id `id` (an original or a derived one).
fn bundle_role(id: &str) -> String {
    format!("bundle:{id}")
}

impl Graph<'_> {
    /// A bundle other than this one, as an archive file (added the first
    /// time); its IRI.
    fn bundle_node(&mut self, id: &str, description: String) -> String {
        let iri = self.iris.id(&bundle_role(id));
        if self.first(&iri) {
            self.push(json!({
                "@id": iri,
                "@type": "uco-observable:ArchiveFile",
                "uco-core:name": human(&format!("evidence bundle {id}")),
                "uco-core:description": human(&description)
            }));
        }
        iri
    }

    /// For a derived bundle whose origin verify proved: the original
    /// bundle, its seal and the export; `records` (this bundle's
    /// provenance records) are marked as derived from the original.
    /// Returns the actions' IRIs in order (the original's seal, the
    /// export), empty for any other bundle.
    pub(super) fn derivation(
        &mut self,
        records: &[String],
        seal: Option<&CustodyEvent>,
    ) -> Vec<String> {
        let Some(p) = super::super::provenance::proven(self.verify).cloned() else {
            return Vec::new();
        };
        let original = self.bundle_node(
            &p.original_bundle_id,
            format!(
                "the original bundle: {} sealed, of which {} disclosed in this bundle",
                count(p.disclosed + p.withheld, "file"),
                p.disclosed
            ),
        );
        for node in &mut self.nodes {
            let id = node.value["@id"].as_str().unwrap_or_default();
            if records.iter().any(|r| r == id) {
                node.value["case-investigation:wasDerivedFrom"] = json!([{"@id": original}]);
            }
        }
        let sealed = self.original_seal(&p, &original);
        let export = self.export(&p, &original, records, seal, &sealed);
        vec![sealed, export]
    }

    /// The original's seal: performed by its proven signer.
    fn original_seal(&mut self, p: &Provenance, original: &str) -> String {
        let who = p.original_signer.as_ref().filter(|s| s.name.is_some());
        let actor = Actor {
            key_id: Some(p.original_key_id.clone()),
            name: who.and_then(|s| s.name.clone()),
            organisation: who.and_then(|s| s.organisation.clone()),
            country: who.and_then(|s| s.country.clone()),
            ..Actor::default()
        };
        let mut people = Vec::new();
        let (person, _) = actor_nodes(&self.iris, &actor, &mut people, &mut self.seen);
        self.nodes.extend(people.into_iter().map(plain));
        let id = self.iris.id("action:original-seal");
        let mut node = json!({
            "@id": id,
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": human(&format!("seal of the original bundle {}", p.original_bundle_id)),
            "uco-action:performer": {"@id": person},
            "uco-action:instrument": [{"@id": self.tool}],
            "uco-action:result": [{"@id": original}]
        });
        if let Some(t) = dt(&p.original_sealed) {
            node["uco-action:startTime"] = t.clone();
            node["uco-action:endTime"] = t;
        }
        self.push(node);
        id
    }

    /// The export: by the derived bundle's proven sealer, of the original,
    /// resulting in this bundle's provenance records.
    fn export(
        &mut self,
        p: &Provenance,
        original: &str,
        records: &[String],
        seal: Option<&CustodyEvent>,
        informed_by: &str,
    ) -> String {
        let claimed = seal.map(|e| e.actor.clone()).unwrap_or_default();
        let actor = proven_actor(self.verify, 1, &claimed);
        let mut people = Vec::new();
        let (person, _) = actor_nodes(&self.iris, &actor, &mut people, &mut self.seen);
        self.nodes.extend(people.into_iter().map(plain));
        let id = self.iris.id("action:export");
        let mut node = json!({
            "@id": id,
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": human(&format!(
                "export (proportional disclosure) from bundle {}",
                p.original_bundle_id
            )),
            "uco-core:description": human(&export_description(p)),
            "uco-action:performer": {"@id": person},
            "uco-action:instrument": [{"@id": self.tool}],
            "uco-action:object": [{"@id": original}],
            "uco-action:result": Value::Array(records.iter().map(|r| json!({"@id": r})).collect()),
            "case-investigation:wasInformedBy": [{"@id": informed_by}]
        });
        if let Some(t) = seal.and_then(|e| dt(&e.time)) {
            node["uco-action:startTime"] = t.clone();
            node["uco-action:endTime"] = t;
        }
        self.push(node);
        id
    }

    /// For an `export` custody event: the derived bundle that left (its
    /// node, added the first time; its IRI) and what left, in words.
    pub(super) fn exported_to(&mut self, ev: &CustodyEvent) -> Option<(String, String)> {
        let to = ev.exported_to.as_ref()?;
        let derived = self.bundle_node(
            &to.bundle_id,
            format!(
                "a derived bundle exported from this one: {} disclosed (selection SHA-256 {}); \
                 its seal event's SHA-256 {}",
                count(to.files, "file"),
                to.selection_sha256,
                to.custody_head
            ),
        );
        let said = format!(
            "exported {} to bundle {}",
            count(to.files, "file"),
            to.bundle_id
        );
        Some((derived, said))
    }
}

/// What the export disclosed and how, in words.
fn export_description(p: &Provenance) -> String {
    let mut s = format!(
        "{} disclosed, each proven against the original's signed seal; {} of the original withheld",
        count(p.disclosed, "file"),
        count(p.withheld, "file")
    );
    if let Some(purpose) = &p.purpose {
        s.push_str(&format!("; purpose: {purpose}"));
    }
    s.push_str(if p.recorded_at_source {
        "; the export is recorded in the original's custody chain"
    } else {
        "; the export was NOT recorded in the original's custody chain"
    });
    s.push_str(if p.manifest_revealed {
        "; the original's full manifest was revealed (it lists the withheld files)"
    } else {
        "; the original's manifest was not revealed"
    });
    s
}
