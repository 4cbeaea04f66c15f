//! CASE 1.5.0 / UCO JSON-LD export (docs/report.md has the mapping).
//!
//! Invariants:
//! - Every node, facet and hash has an IRI; there are no blank nodes. IRIs
//!   are `urn:uuid:` names (UUID version 5) derived from the bundle id and
//!   the node's role, so the same bundle always gives the same graph.
//! - Only hash methods in UCO's HashNameVocab are written (SHA256, SHA512,
//!   SHA1, MD5); BLAKE3 stays in the human reports.
//! - Literals whose syntax we cannot vouch for (a claimed time that is not
//!   RFC 3339) are left out rather than mistyped.

#[path = "case_export.rs"]
mod export;

use super::people::recipient_text as recipient_name;
use super::{BundleFacts, ReportInput, TOOL_VERSION, escape};
use crate::model::{Actor, CaseMeta, CustodyEvent, FileEntry, parse_rfc3339};
use crate::verify::VerifyReport;
use serde_json::{Value, json};
use std::io::{self, Write};

/// Deterministic IRIs for one bundle.
struct Iris {
    bundle: String,
}

impl Iris {
    /// `kb:` + a UUID version 5 (RFC 9562: SHA-1, name-based) of the
    /// bundle id and the node's role, under evidentia's namespace.
    fn id(&self, role: &str) -> String {
        use sha1::Digest;
        let mut h = sha1::Sha1::new();
        h.update(NAMESPACE.as_bytes());
        h.update(format!("{}\n{role}", self.bundle).as_bytes());
        let d = h.finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(&d[..16]);
        b[6] = (b[6] & 0x0f) | 0x50; // version 5
        b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
        format!("kb:{}", uuid::Uuid::from_bytes(b).hyphenated())
    }
}

/// The UUID namespace of evidentia's CASE exports.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6e1d_3c2a_9f4b_5e07_8a61_2d4c_0b7e_59f3);

fn dt(s: &str) -> Option<Value> {
    parse_rfc3339(s)
        .ok()
        .map(|_| json!({"@type": "xsd:dateTime", "@value": s}))
}

fn context() -> Value {
    json!({
        "kb": "urn:uuid:",
        "case-investigation": "https://ontology.caseontology.org/case/investigation/",
        "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
        "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
        "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
        "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
        "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
        "uco-role": "https://ontology.unifiedcyberontology.org/uco/role/",
        "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
        "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
        "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
        "xsd": "http://www.w3.org/2001/XMLSchema#"
    })
}

/// A human-readable value (a name or description): hidden characters
/// escaped and the value marked ([`escape::marked`]). Identifiers, paths,
/// hashes and exhibit numbers keep their exact values instead.
fn human(s: &str) -> String {
    escape::marked(s).into_owned()
}

fn is_image(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let numbered = name
        .strip_prefix("image.")
        .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()));
    numbered || name == "image.raw" || name.ends_with(".dd") || name.ends_with(".E01")
}

/// The IRI of the file at bag path `path`.
fn file_id(iris: &Iris, path: &str) -> String {
    iris.id(&format!("file:{path}"))
}

fn file_node(iris: &Iris, f: &FileEntry, images: &[&str]) -> Value {
    let role = format!("file:{}", f.path);
    let id = file_id(iris, &f.path);
    let mut hashes = Vec::new();
    let all = [
        ("SHA256", Some(&f.sha256)),
        ("SHA512", f.sha512.as_ref()),
        ("SHA1", f.sha1.as_ref()),
        ("MD5", f.md5.as_ref()),
    ];
    for (method, value) in all {
        if let Some(v) = value {
            hashes.push(json!({
                "@id": iris.id(&format!("{role}:hash:{method}")),
                "@type": "uco-types:Hash",
                "uco-types:hashMethod": method,
                "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": v}
            }));
        }
    }
    let name = f.path.rsplit('/').next().unwrap_or(&f.path);
    let size = json!({"@type": "xsd:integer", "@value": f.size.to_string()});
    let mut node = json!({
        "@id": id,
        "@type": if is_image(&f.path) || images.contains(&f.path.as_str()) {
            json!(["uco-observable:Disk", "uco-observable:StorageMedium"])
        } else {
            json!("uco-observable:File")
        },
        "uco-core:name": human(&f.path),
        "uco-core:hasFacet": [
            {
                "@id": iris.id(&format!("{role}:file-facet")),
                "@type": "uco-observable:FileFacet",
                "uco-observable:fileName": name,
                "uco-observable:filePath": f.path,
                "uco-observable:sizeInBytes": size
            },
            {
                "@id": iris.id(&format!("{role}:content-facet")),
                "@type": "uco-observable:ContentDataFacet",
                "uco-observable:sizeInBytes": size,
                "uco-observable:hash": hashes
            }
        ]
    });
    if escape::has_hidden(&f.path) {
        node["uco-core:description"] = json!(format!(
            "The file name holds hidden characters (invisible, or reordering the text around \
             them), shown as <U+XXXX> in uco-core:name: {}. uco-observable:filePath and \
             fileName keep the exact name.",
            escape::visible(&f.path)
        ));
    }
    node
}

/// The performer of event `seq` as proven: its signer's certified identity
/// (from the verify report), or only the key id when nothing certifies who
/// holds it: the event's own claims never name a Person.
fn proven_actor(r: &VerifyReport, seq: u64, claimed: &Actor) -> Actor {
    let key_id = claimed.key_id.clone();
    match r
        .events
        .iter()
        .find(|s| s.seq == seq)
        .and_then(|s| s.certified_identity.as_ref())
    {
        Some(i) => Actor::claiming(key_id, i.who()),
        None => Actor {
            key_id,
            ..Actor::default()
        },
    }
}

/// Nodes for the actor of an event: person, organisation, role, and the
/// relationships between them, each once (`seen`). Returns (person,
/// organisation) IRIs.
fn actor_nodes(
    iris: &Iris,
    a: &Actor,
    graph: &mut Vec<Value>,
    seen: &mut Vec<String>,
) -> (String, Option<String>) {
    let key = a
        .key_id
        .clone()
        .or_else(|| a.name.clone())
        .unwrap_or_else(|| "unknown".into());
    let person = iris.id(&format!("person:{key}"));
    let org = a
        .organisation
        .as_ref()
        .map(|o| iris.id(&format!("organization:{o}")));
    if seen.contains(&person) {
        return (person, org);
    }
    seen.push(person.clone());
    graph.push(json!({
        "@id": person,
        "@type": "uco-identity:Person",
        "uco-core:name": human(&a.name.clone().unwrap_or_else(|| format!("key {key}"))),
        "uco-core:description": human(&if a.name.is_some() {
            format!("signing key {key}")
        } else {
            format!("signing key {key}; no certified identity")
        })
    }));
    let role_name = a.role.clone().unwrap_or_else(|| "custodian".into());
    let role = iris.id(&format!("role:{key}:{role_name}"));
    graph.push(json!({"@id": role, "@type": "uco-role:Role", "uco-core:name": human(&role_name)}));
    graph.push(json!({
        "@id": iris.id(&format!("relationship:{key}:has-role")),
        "@type": "uco-core:Relationship",
        "uco-core:source": {"@id": person},
        "uco-core:target": {"@id": role},
        "uco-core:kindOfRelationship": "Has_Role",
        "uco-core:isDirectional": true
    }));
    if let (Some(o), Some(name)) = (&org, &a.organisation) {
        if !seen.contains(o) {
            seen.push(o.clone());
            graph.push(
                json!({"@id": o, "@type": "uco-identity:Organization", "uco-core:name": human(name)}),
            );
        }
        graph.push(json!({
            "@id": iris.id(&format!("relationship:{key}:affiliated")),
            "@type": "uco-core:Relationship",
            "uco-core:source": {"@id": person},
            "uco-core:target": {"@id": o},
            "uco-core:kindOfRelationship": "Affiliated_With",
            "uco-core:isDirectional": true
        }));
    }
    (person, org)
}

/// A node of the graph. When `files` names a key, that key's value
/// (`null` in `value`) stands for the array of every file's reference,
/// followed by the values given: [`write()`] streams it from the facts.
struct Node {
    value: Value,
    files: Option<(&'static str, Vec<Value>)>,
}

fn plain(value: Value) -> Node {
    Node { value, files: None }
}

/// The graph without its files: the nodes in order, the file nodes going
/// between the first two (investigation, tool) and the rest.
struct Skeleton {
    iris: Iris,
    nodes: Vec<Node>,
}

/// Where the file nodes go in [`Skeleton::nodes`].
const FILES_AT: usize = 2;

/// The graph of `input` but for its files; `has_files` says whether the
/// manifest lists any (arrays of their references are then left to
/// [`write()`]).
fn skeleton(input: &ReportInput, has_files: bool) -> Skeleton {
    let f = input.facts;
    let bundle = f
        .manifest
        .as_ref()
        .map(|m| m.bundle_id.clone())
        .or_else(|| input.verify.bundle_id.clone())
        .unwrap_or_else(|| input.bundle_name.to_string());
    let iris = Iris { bundle };
    let tool = iris.id("tool");
    let mut g = Graph {
        iris,
        tool,
        has_files,
        verify: input.verify,
        nodes: Vec::new(),
        seen: Vec::new(),
    };
    g.push(json!({
        "@id": g.tool,
        "@type": "uco-tool:Tool",
        "uco-core:name": "evidentia",
        "uco-tool:version": TOOL_VERSION,
        "uco-tool:toolType": "evidence packaging and verification"
    }));
    let case = f
        .manifest
        .as_ref()
        .map(|m| m.case.clone())
        .unwrap_or_default();
    let records = g.provenance(&case);
    let mut actions = g.derivation(&records, f.events.first().map(|e| &e.event));
    for e in &f.events {
        let id = g.action(&e.event, &records, actions.last());
        actions.push(id);
    }
    let auth = g.authorization(&case);
    let inv = g.investigation(&case, &auth, &records, &actions);
    g.nodes.insert(0, inv);
    Skeleton {
        iris: g.iris,
        nodes: g.nodes,
    }
}

/// The skeleton while [`skeleton`] builds it: the nodes so far, and the
/// IRIs of the shared nodes (people, organisations, recipients, places)
/// already in it, each written once.
struct Graph<'a> {
    iris: Iris,
    /// The tool node's IRI.
    tool: String,
    /// Whether arrays of file references are left to [`write()`].
    has_files: bool,
    verify: &'a VerifyReport,
    nodes: Vec<Node>,
    seen: Vec<String>,
}

impl Graph<'_> {
    fn push(&mut self, value: Value) {
        self.nodes.push(plain(value));
    }

    /// True the first time `id` is asked about.
    fn first(&mut self, id: &str) -> bool {
        if self.seen.iter().any(|s| s == id) {
            return false;
        }
        self.seen.push(id.to_string());
        true
    }

    /// One provenance record per exhibit (the exhibit number and the
    /// items, else the case reference), holding the files; their IRIs.
    fn provenance(&mut self, case: &CaseMeta) -> Vec<String> {
        let mut exhibits: Vec<String> = case.exhibit.iter().cloned().collect();
        exhibits.extend(case.items.iter().cloned());
        if exhibits.is_empty() {
            exhibits.push(case.case_reference.clone());
        }
        let mut records = Vec::new();
        for ex in &exhibits {
            let id = self.iris.id(&format!("provenance:{ex}"));
            let mut node = json!({
                "@id": id,
                "@type": "case-investigation:ProvenanceRecord",
                "case-investigation:exhibitNumber": ex,
                "uco-core:description": "evidence sealed in the bundle"
            });
            let files = if self.has_files {
                node["uco-core:object"] = Value::Null;
                Some(("uco-core:object", Vec::new()))
            } else {
                node["uco-core:object"] = json!([{"@id": self.tool}]);
                None
            };
            self.nodes.push(Node { value: node, files });
            records.push(id);
        }
        records
    }

    /// The nodes of custody event `ev`: its performer (as proven), its
    /// recipient and place when new, then the action, informed by the
    /// action before it (`prev`); the action's IRI. The seal's action
    /// results in the provenance `records`.
    fn action(&mut self, ev: &CustodyEvent, records: &[String], prev: Option<&String>) -> String {
        let mut people = Vec::new();
        let actor = proven_actor(self.verify, ev.seq, &ev.actor);
        let (person, org) = actor_nodes(&self.iris, &actor, &mut people, &mut self.seen);
        self.nodes.extend(people.into_iter().map(plain));
        let id = self.iris.id(&format!("action:{}", ev.seq));
        let mut node = json!({
            "@id": id,
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": human(&format!("custody event {}: {}", ev.seq, ev.action)),
            "uco-action:performer": {"@id": person},
            "uco-action:instrument": [{"@id": self.tool}],
            "uco-action:object": if self.has_files { Value::Null } else { json!([]) }
        });
        let mut participants: Vec<Value> = org.iter().map(|o| json!({"@id": o})).collect();
        if let Some(rid) = self.recipient(ev) {
            participants.push(json!({"@id": rid}));
        }
        if !participants.is_empty() {
            node["uco-action:participant"] = Value::Array(participants);
        }
        if let Some(lid) = self.place(&actor, ev) {
            node["uco-action:location"] = json!([{"@id": lid}]);
        }
        if let Some(t) = dt(&ev.time) {
            node["uco-action:startTime"] = t.clone();
            node["uco-action:endTime"] = t;
        }
        let mut why: Vec<String> = [&ev.purpose, &ev.note]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if let Some((derived, said)) = self.exported_to(ev) {
            node["uco-action:result"] = json!([{"@id": derived}]);
            why.push(said);
        }
        if !why.is_empty() {
            node["uco-core:description"] = json!(human(&why.join("; ")));
        }
        if ev.seq == 1 {
            node["uco-action:result"] =
                Value::Array(records.iter().map(|r| json!({"@id": r})).collect());
        }
        if let Some(prev) = prev {
            node["case-investigation:wasInformedBy"] = json!([{"@id": prev}]);
        }
        let files = self.has_files.then(|| ("uco-action:object", Vec::new()));
        self.nodes.push(Node { value: node, files });
        id
    }

    /// The IRI of `ev`'s recipient (an identity node, added the first
    /// time), when it has one.
    fn recipient(&mut self, ev: &CustodyEvent) -> Option<String> {
        let to = ev.recipient.as_ref()?;
        let key = to
            .key_id
            .clone()
            .or_else(|| to.name.clone())
            .unwrap_or_default();
        let rid = self.iris.id(&format!("recipient:{key}"));
        if self.first(&rid) {
            let name = human(&recipient_name(self.verify, to));
            self.push(json!({
                "@id": rid,
                "@type": "uco-identity:Identity",
                "uco-core:name": name
            }));
        }
        Some(rid)
    }

    /// The IRI of where `ev` happened (the actor's certified country, the
    /// event's location; a location node, added the first time), when
    /// either is known.
    fn place(&mut self, actor: &Actor, ev: &CustodyEvent) -> Option<String> {
        if actor.country.is_none() && ev.location.is_none() {
            return None;
        }
        let cc = actor.country.clone().unwrap_or_default();
        let place = ev.location.clone().unwrap_or_default();
        let lid = self.iris.id(&format!("location:{cc}:{place}"));
        if self.first(&lid) {
            let mut facet = json!({
                "@id": self.iris.id(&format!("location:{cc}:{place}:address")),
                "@type": "uco-location:SimpleAddressFacet"
            });
            if !cc.is_empty() {
                facet["uco-location:country"] = json!(cc);
            }
            if !place.is_empty() {
                facet["uco-location:locality"] = json!(human(&place));
            }
            self.push(json!({
                "@id": lid,
                "@type": "uco-location:Location",
                "uco-core:hasFacet": [facet]
            }));
        }
        Some(lid)
    }

    /// The legal basis as an authorization node; its IRI.
    fn authorization(&mut self, case: &CaseMeta) -> String {
        let auth = self.iris.id("authorization");
        let mut a = json!({
            "@id": auth,
            "@type": "case-investigation:Authorization",
            "case-investigation:authorizationType": human(case.legal_basis.as_deref().unwrap_or("not recorded"))
        });
        if let Some(r) = &case.legal_reference {
            a["case-investigation:authorizationIdentifier"] = json!([r]);
        }
        if let Some(i) = &case.issuing_authority {
            a["uco-core:description"] = json!(human(&format!("issued by {i}")));
        }
        self.push(a);
        auth
    }

    /// The investigation, whose objects are the files (left to [`write()`]
    /// when there are any), the provenance records, the actions and the
    /// tool.
    fn investigation(
        &self,
        case: &CaseMeta,
        auth: &str,
        records: &[String],
        actions: &[String],
    ) -> Node {
        let objects: Vec<Value> = records
            .iter()
            .chain(actions.iter())
            .map(|i| json!({"@id": i}))
            .chain([json!({"@id": self.tool})])
            .collect();
        let mut inv = json!({
            "@id": self.iris.id("investigation"),
            "@type": "case-investigation:Investigation",
            "uco-core:name": human(&case.case_reference),
            "case-investigation:investigationForm": "case",
            "case-investigation:relevantAuthorization": [{"@id": auth}],
            "uco-core:object": Value::Null
        });
        if let Some(o) = &case.offence {
            inv["case-investigation:focus"] = json!([human(o)]);
        }
        if let Some(s) = &case.summary_of_facts {
            inv["uco-core:description"] = json!([escape::marked_prose(s)]);
        }
        let files = if self.has_files {
            Some(("uco-core:object", objects))
        } else {
            inv["uco-core:object"] = Value::Array(objects);
            None
        };
        Node { value: inv, files }
    }
}

fn pretty(v: &Value) -> io::Result<String> {
    serde_json::to_string_pretty(v).map_err(io::Error::other)
}

/// Write pretty JSON `text` whose first line is already indented, every
/// further line indented by `indent` (pretty JSON has no raw newline
/// inside a string, so this is what a pretty printer nesting it writes).
fn write_indented(out: &mut dyn Write, text: &str, indent: &str) -> io::Result<()> {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Write `node` at `indent` (its first line already indented), streaming
/// its array of file references.
fn write_node(
    out: &mut dyn Write,
    node: &Node,
    indent: &str,
    iris: &Iris,
    facts: &BundleFacts,
) -> io::Result<()> {
    let text = pretty(&node.value)?;
    let Some((key, then)) = &node.files else {
        return write_indented(out, &text, indent);
    };
    // The key's line: keys are unique in a node, and only the node's own
    // keys are indented by exactly two spaces.
    let key_line = format!(
        "  {}: ",
        serde_json::to_string(key).map_err(io::Error::other)?
    );
    let inner = format!("{indent}    ");
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        let tail = line
            .strip_prefix(key_line.as_str())
            .and_then(|rest| rest.strip_prefix("null"))
            .filter(|t| t.is_empty() || *t == ",");
        let Some(tail) = tail else {
            out.write_all(line.as_bytes())?;
            continue;
        };
        write!(out, "{key_line}[")?;
        let mut first = true;
        let mut element = |out: &mut dyn Write, v: &Value| -> io::Result<()> {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            out.write_all(inner.as_bytes())?;
            write_indented(out, &pretty(v)?, &inner)
        };
        facts.for_each_file(&mut |f| element(out, &json!({"@id": file_id(iris, &f.path)})))?;
        for v in then {
            element(out, v)?;
        }
        write!(out, "\n{indent}  ]{tail}")?;
    }
    Ok(())
}

/// Write the JSON-LD document for `input` (pretty-printed, as
/// `serde_json::to_writer_pretty` would write the whole graph), streaming
/// the files from the facts: nothing here grows with the file count.
pub fn write(input: &ReportInput, out: &mut dyn Write) -> io::Result<()> {
    let facts = input.facts;
    let sk = skeleton(input, facts.file_count() > 0);
    let images: Vec<&str> = facts
        .manifest
        .iter()
        .flat_map(|m| m.items.iter())
        .flat_map(|i| i.image.iter().map(String::as_str))
        .collect();
    const IN: &str = "    ";
    out.write_all(b"{\n  \"@context\": ")?;
    write_indented(out, &pretty(&context())?, "  ")?;
    out.write_all(b",\n  \"@graph\": [")?;
    for (i, node) in sk.nodes.iter().enumerate() {
        if i == FILES_AT {
            facts.for_each_file(&mut |f| {
                out.write_all(b",\n")?;
                out.write_all(IN.as_bytes())?;
                write_indented(out, &pretty(&file_node(&sk.iris, f, &images))?, IN)
            })?;
        }
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        out.write_all(IN.as_bytes())?;
        write_node(out, node, IN, &sk.iris, facts)?;
    }
    out.write_all(b"\n  ]\n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iris_are_deterministic_version_5_uuids() {
        let a = Iris {
            bundle: "b1".into(),
        };
        let id = a.id("tool");
        assert_eq!(id, a.id("tool"));
        assert_ne!(id, a.id("investigation"));
        let other = Iris {
            bundle: "b2".into(),
        };
        assert_ne!(id, other.id("tool"));
        let u = uuid::Uuid::parse_str(id.trim_start_matches("kb:")).unwrap();
        assert_eq!(u.get_version_num(), 5);
        assert!(is_image("data/usb1/image.raw") && is_image("data/x/image.001"));
        assert!(!is_image("data/notes.txt"));
        assert!(dt("2024-05-01T12:00:00Z").is_some() && dt("yesterday").is_none());
    }
}
