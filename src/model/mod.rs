//! The documents inside a bundle: the rich manifest (`manifest.json`), the
//! case and legal metadata, custody events and the acquisition record
//! ([`acquisition`]); plus RFC 3339 time (the one time module).
//!
//! Invariants:
//! - Serialization is deterministic: fields in declaration order, pretty
//!   JSON with a final newline, no maps with unstable order.
//! - Parsing is strict: unknown fields are an error, never dropped.
//! - Nothing here touches the file system.

pub mod acquisition;
pub mod acquisition_ewf;
pub mod capture;
mod capture_entry;
mod case;
mod custody;
pub mod disclosure;
mod time;
mod who;

pub use capture_entry::{
    CaptureEntry, CaptureSummary, MAX_CAPTURE_RECORD, META_FILES, SegmentEntry,
};
pub use case::{CaseMeta, DataCategory};
pub use custody::{
    Breach, CLOCK_SKEW_SECS, CUSTODY_ACTIONS, CustodyAction, CustodyRules, EventBudget,
    MAX_EVENT_BYTES, MAX_EVENT_FILE, MAX_EVENTS, MAX_SIGNATURE_FILE, OverBudget, Signer, Step,
    describe_party,
};
pub use time::{
    BadTimestamp, TimeSyntax, UnixTime, civil_from_unix, days_in_month, format_date_utc,
    format_rfc3339_offset, format_rfc3339_utc, parse_rfc3339, parse_rfc3339_or_date,
};
pub use who::{Actor, Party, Who};

use crate::hash::{MIN_TREE_PIECE, PieceAlgorithm};
use crate::pathrepr::PathRepr;
use serde::{Deserialize, Serialize};

/// The schema identifier of the `manifest.json` that a signed seal writes:
/// v2 with a `salt` in every file entry, committed to by the seal event's
/// `disclosure` ([`disclosure`]).
pub const MANIFEST_SCHEMA: &str = "evidentia/manifest/v3";
/// The schema before the disclosure commitment, still read, and still
/// written by an unsigned seal (nobody could prove a commitment in it).
pub const MANIFEST_SCHEMA_V2: &str = "evidentia/manifest/v2";
/// The first schema, still read: its piecewise hashes are SHA-256 and it
/// has no `piece_algorithm` field.
pub const MANIFEST_SCHEMA_V1: &str = "evidentia/manifest/v1";
/// How seal hashes the pieces (schema v2): BLAKE3 subtree chaining values.
pub const PIECE_ALGORITHM: PieceAlgorithm = PieceAlgorithm::Blake3Tree;
/// The type of a custody event.
pub const CUSTODY_EVENT_TYPE: &str = "evidentia/custody-event/v1";

/// `evidentia/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA`], or [`MANIFEST_SCHEMA_V1`] in older bundles.
    pub schema: String,
    /// The bundle id (a UUID, also in bag-info's External-Identifier).
    pub bundle_id: String,
    /// The bag's base directory name.
    pub bundle_name: String,
    /// When the bundle was sealed (RFC 3339).
    pub sealed: String,
    /// The software that sealed it.
    pub tool: String,
    /// Case and legal metadata.
    pub case: CaseMeta,
    /// The algorithms of the BagIt manifests, besides BLAKE3.
    pub algorithms: Vec<String>,
    /// Window size of the piecewise hashes.
    pub piece_size: u64,
    /// How the pieces are hashed (`blake3-tree`); schema v2 only (v1's are
    /// SHA-256). See [`Manifest::piece_algorithm`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub piece_algorithm: Option<String>,
    /// Every payload file, sorted by `path`.
    pub files: Vec<FileEntry>,
    /// Symbolic links found in the inputs: recorded, not followed.
    pub symlinks: Vec<LinkEntry>,
    /// Files that could not be read (only with `--allow-unreadable`).
    pub unreadable: Vec<UnreadableEntry>,
    /// Special files (FIFOs, sockets, devices) found inside trees.
    pub skipped: Vec<SkippedEntry>,
    /// Evidence items imaged with `evidentia acquire` and sealed from their
    /// acquisition directories (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemEntry>,
    /// Traffic captures (`evidentia capture`) sealed from their capture
    /// directories (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<CaptureEntry>,
}

/// An evidence item sealed from an acquisition directory: where its
/// record and image are in the bag, and what the acquisition recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemEntry {
    /// The item id from the acquisition (or the directory's name).
    pub item: String,
    /// Bag path of the acquisition record (`data/.../acquisition.json`).
    pub record: String,
    /// Bag paths of the image segments, in order (concatenated, the image).
    pub image: Vec<String>,
    /// The source as recorded (device or file path).
    pub source: PathRepr,
    /// Device model and serial, when the OS exposed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Image size in bytes.
    pub size: u64,
    /// The image hashes the acquisition computed (algorithm → hex).
    pub hashes: std::collections::BTreeMap<String, String>,
    /// Unreadable, zero-filled ranges as `[offset, length]` in bytes.
    pub bad_ranges: Vec<[u64; 2]>,
    /// Whether the acquisition ran to completion.
    pub complete: bool,
    /// Bag paths of the original EWF segments kept beside the record
    /// (`acquire --keep-original` or `--no-image`), in order. Each one's
    /// SHA-256 was compared at seal time with the one the record took when
    /// the segment was copied and checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub originals: Vec<String>,
    /// For an item acquired from an E01 set: what checking the set found
    /// at acquisition (`source.ewf.integrity.statement` of the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ewf_check: Option<String>,
}

impl Manifest {
    /// How the pieces are hashed, when the schema is one this version
    /// reads and `piece_algorithm` and `piece_size` are what that schema
    /// allows: absent in v1 (SHA-256), `blake3-tree` (with a power-of-two
    /// `piece_size` of at least 4 KiB) or `sha256` in v2 (4 KiB at least
    /// there too, as seal has always required). Otherwise the
    /// reason, naming the field.
    pub fn piece_algorithm(&self) -> Result<PieceAlgorithm, String> {
        let algorithm = match (self.schema.as_str(), self.piece_algorithm.as_deref()) {
            (MANIFEST_SCHEMA_V1, None) => PieceAlgorithm::Sha256,
            (MANIFEST_SCHEMA_V1, Some(_)) => {
                return Err(format!(
                    "piece_algorithm is not part of schema {MANIFEST_SCHEMA_V1}"
                ));
            }
            (MANIFEST_SCHEMA | MANIFEST_SCHEMA_V2, Some("blake3-tree")) => {
                PieceAlgorithm::Blake3Tree
            }
            (MANIFEST_SCHEMA | MANIFEST_SCHEMA_V2, Some("sha256")) => PieceAlgorithm::Sha256,
            (MANIFEST_SCHEMA | MANIFEST_SCHEMA_V2, Some(other)) => {
                return Err(format!(
                    "piece_algorithm {other:?} is not one of \"blake3-tree\", \"sha256\""
                ));
            }
            (schema @ (MANIFEST_SCHEMA | MANIFEST_SCHEMA_V2), None) => {
                return Err(format!(
                    "piece_algorithm is missing (required by schema {schema})"
                ));
            }
            (other, _) => {
                return Err(format!(
                    "unknown schema {other:?} (this version reads {MANIFEST_SCHEMA}, {MANIFEST_SCHEMA_V2} and {MANIFEST_SCHEMA_V1})"
                ));
            }
        };
        if !algorithm.allows(self.piece_size) || self.piece_size < MIN_TREE_PIECE {
            return Err(format!(
                "piece_size {} is not allowed for piece_algorithm {} (at least 4096; a power of two for blake3-tree)",
                self.piece_size,
                algorithm.name()
            ));
        }
        Ok(algorithm)
    }

    /// Whether the schema carries salts and a commitment (v3).
    pub fn has_commitment(&self) -> bool {
        self.schema == MANIFEST_SCHEMA
    }
}

/// One payload file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Its name in the bag, `data/...`.
    pub path: String,
    /// The original path as given (relative to the input's parent).
    pub original: PathRepr,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// BLAKE3, hex.
    pub blake3: String,
    /// SHA-512, hex, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    /// SHA-1, hex, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// MD5, hex, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// The digest of each `piece_size` window (in the manifest's piece
    /// algorithm), in order; absent for files of one window or less (whose
    /// only window is the whole file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<String>,
    /// The file's disclosure salt, hex (schema v3; see [`disclosure`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// A symbolic link, recorded and not followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkEntry {
    /// The link's original path.
    pub original: PathRepr,
    /// What it points to, as stored in the link.
    pub target: PathRepr,
}

/// A file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnreadableEntry {
    /// Its original path.
    pub original: PathRepr,
    /// Why it could not be read.
    pub error: String,
}

/// A special file, skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedEntry {
    /// Its original path.
    pub original: PathRepr,
    /// What kind of file it is ("fifo", "socket", ...).
    pub kind: String,
}

/// A reference to an earlier event: its seq and the SHA-256 of its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRef {
    /// Sequence number.
    pub seq: u64,
    /// Hex SHA-256 of the event file.
    pub sha256: String,
}

/// One custody event (`custody/NNNNNN-action.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodyEvent {
    /// Always [`CUSTODY_EVENT_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The bundle this event belongs to.
    pub bundle_id: String,
    /// 1, 2, ...
    pub seq: u64,
    /// Hex SHA-256 of the previous event file; null for seq 1.
    pub prev: Option<String>,
    /// One of [`CustodyAction`] (`seal`, `transfer`, `receive`, ...).
    pub action: String,
    /// When (RFC 3339; the signer's clock, a claim).
    pub time: String,
    /// Who.
    pub actor: Actor,
    /// Hex SHA-256 of `tagmanifest-sha256.txt`.
    pub tagmanifest_sha256: String,
    /// The recipient of a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Party>,
    /// For a receive: the transfer it completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completes: Option<EventRef>,
    /// For a receive of an encrypted bundle: the hex SHA-256 (64
    /// lowercase digits) of the age file that arrived, before it was
    /// decrypted (what the transmittal letter names). Only on a receive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_ciphertext_sha256: Option<String>,
    /// For a seal (manifest schema v3): the signed disclosure commitment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<disclosure::Commitment>,
    /// For the seal of a derived bundle: the bundle it was exported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_from: Option<disclosure::ExportedFrom>,
    /// For an `export`: the derived bundle that left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_to: Option<disclosure::ExportedTo>,
    /// Where the action took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// A free-text note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Deterministic JSON: pretty, with a final newline.
pub fn to_json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail (no maps with non-string
    // keys, no custom serializers that error).
    let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
    v.push(b'\n');
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_roundtrips_and_rejects_unknown_fields() {
        let e = CustodyEvent {
            kind: CUSTODY_EVENT_TYPE.into(),
            bundle_id: "b".into(),
            seq: 1,
            prev: None,
            action: "seal".into(),
            time: "2024-01-01T00:00:00Z".into(),
            actor: Actor {
                key_id: Some("k".into()),
                ..Actor::default()
            },
            tagmanifest_sha256: "00".into(),
            recipient: None,
            completes: None,
            received_ciphertext_sha256: None,
            disclosure: None,
            exported_from: None,
            exported_to: None,
            location: None,
            purpose: None,
            note: None,
        };
        let bytes = to_json_bytes(&e);
        assert_eq!(to_json_bytes(&e), bytes);
        let back: CustodyEvent = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, e);
        let text = String::from_utf8(bytes)
            .unwrap()
            .replacen("\"seq\"", "\"evil\": 1, \"seq\"", 1);
        assert!(serde_json::from_str::<CustodyEvent>(&text).is_err());
    }

    #[test]
    fn piece_algorithm_follows_the_schema() {
        let m = |schema: &str, algo: Option<&str>| Manifest {
            schema: schema.into(),
            bundle_id: "b".into(),
            bundle_name: "n".into(),
            sealed: "2024-01-01T00:00:00Z".into(),
            tool: "t".into(),
            case: CaseMeta::default(),
            algorithms: vec!["sha256".into()],
            piece_size: 4096,
            piece_algorithm: algo.map(String::from),
            files: vec![],
            symlinks: vec![],
            unreadable: vec![],
            skipped: vec![],
            items: vec![],
            captures: vec![],
        };
        let v1 = MANIFEST_SCHEMA_V1;
        let v2 = MANIFEST_SCHEMA;
        let tree = PieceAlgorithm::Blake3Tree;
        assert_eq!(m(v1, None).piece_algorithm(), Ok(PieceAlgorithm::Sha256));
        assert_eq!(m(v2, Some("blake3-tree")).piece_algorithm(), Ok(tree));
        assert_eq!(
            m(v2, Some("sha256")).piece_algorithm(),
            Ok(PieceAlgorithm::Sha256)
        );
        for (schema, algo, why) in [
            (
                v1,
                Some("blake3-tree"),
                "not part of schema evidentia/manifest/v1",
            ),
            (v2, None, "piece_algorithm is missing"),
            (v2, Some("blake3"), "\"blake3\" is not one of"),
            (
                "evidentia/manifest/v4",
                Some("blake3-tree"),
                "unknown schema",
            ),
        ] {
            let err = m(schema, algo).piece_algorithm().unwrap_err();
            assert!(err.contains(why), "{schema} {algo:?}: {err}");
        }
        // What seal writes names its algorithm, and reads back the same.
        let mut odd = m(v2, Some("blake3-tree"));
        odd.piece_size = 5000;
        let err = odd.piece_algorithm().unwrap_err();
        assert!(err.contains("piece_size 5000 is not allowed"), "{err}");
        let written = to_json_bytes(&m(v2, Some(PIECE_ALGORITHM.name())));
        let text = String::from_utf8(written.clone()).unwrap();
        assert!(text.contains("\"piece_size\": 4096,\n  \"piece_algorithm\": \"blake3-tree\",\n"));
        let back: Manifest = serde_json::from_slice(&written).unwrap();
        assert_eq!(back.piece_algorithm(), Ok(tree));
        // v1 documents carry no such field when written either.
        let v1_text = String::from_utf8(to_json_bytes(&m(v1, None))).unwrap();
        assert!(!v1_text.contains("piece_algorithm"));
    }
}
