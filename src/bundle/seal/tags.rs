//! The tag files of a new bundle: the BagIt manifests, bag-info.txt,
//! manifest.json, the tag manifest, and the signed seal event with the
//! signer's keys, written after the payload has streamed into the zip. The
//! manifests and manifest.json are streamed from the spilled per-file
//! records; only the small tag files are built in memory.

use crate::bundle::layout::{
    self, BAG_INFO, BAGIT_TXT, BAGIT_TXT_CONTENT, MANIFEST_JSON, TAGMANIFEST_SHA256,
};
use crate::bundle::sealopts::{SealError, SealOptions};
use crate::bundle::spill::Records;
use crate::bundle::zip::ZipWriter;
use crate::bundle::{EventSigner, bagit, trusted_comment};
use crate::hash::{Algorithm, AlgorithmSet, to_hex};
use crate::model::{self, Actor, CustodyEvent, LinkEntry, SkippedEntry, UnreadableEntry};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::io::{self, Seek, Write};

/// What the payload pass produced.
pub(super) struct TagInput<'a> {
    pub opts: &'a SealOptions,
    pub name: &'a str,
    pub records: &'a mut Records,
    pub symlinks: Vec<LinkEntry>,
    pub unreadable: Vec<UnreadableEntry>,
    pub skipped: Vec<SkippedEntry>,
    pub items: Vec<model::ItemEntry>,
    pub total: u64,
    pub algos: &'a AlgorithmSet,
    pub signer: Option<&'a dyn EventSigner>,
}

/// What the summary reports.
pub(super) struct Tags {
    pub bundle_id: String,
    pub head: String,
    pub files_sealed: u64,
    pub unreadable: u64,
}

/// Counts and hashes what is written to it (and feeds a second hasher).
struct Measure<'a> {
    len: u64,
    sha: Sha256,
    also: Option<&'a mut Sha256>,
}

impl Write for Measure<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.len += buf.len() as u64;
        self.sha.update(buf);
        if let Some(a) = &mut self.also {
            a.update(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn measure<'a>(also: Option<&'a mut Sha256>) -> Measure<'a> {
    Measure {
        len: 0,
        sha: Sha256::new(),
        also,
    }
}

/// One BagIt manifest, rendered line by line from the records.
fn render_manifest(records: &mut Records, a: Algorithm, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    records.for_each(&mut |e| {
        let d = match a {
            Algorithm::Sha256 => Some(&e.sha256),
            Algorithm::Sha512 => e.sha512.as_ref(),
            Algorithm::Sha1 => e.sha1.as_ref(),
            _ => e.md5.as_ref(),
        };
        out.write_all(d.map_or("", |d| d.as_str()).as_bytes())?;
        out.write_all(b"  ")?;
        out.write_all(layout::manifest_encode(&e.path).as_bytes())?;
        out.write_all(b"\n")
    })?;
    out.flush()
}

/// manifest.json as [`model::to_json_bytes`] writes a [`Manifest`], with
/// `files` read from the records: the same fields in the same order.
#[derive(Serialize)]
struct ManifestOut<'a, F: Serialize> {
    schema: &'a str,
    bundle_id: &'a str,
    bundle_name: &'a str,
    sealed: &'a str,
    tool: &'a str,
    case: &'a model::CaseMeta,
    algorithms: &'a [String],
    piece_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    piece_algorithm: Option<&'a str>,
    files: F,
    symlinks: &'a [LinkEntry],
    unreadable: &'a [UnreadableEntry],
    skipped: &'a [SkippedEntry],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    items: &'a [model::ItemEntry],
}

/// The `files` array, streamed from the records.
struct FilesOut<'a>(RefCell<&'a mut Records>);

impl Serialize for FilesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut records = self.0.borrow_mut();
        let mut seq = s.serialize_seq(Some(records.len() as usize))?;
        let mut failed = None;
        let read = records.for_each(&mut |e| {
            seq.serialize_element(e).map_err(|e| {
                let msg = e.to_string();
                failed = Some(e);
                io::Error::other(msg)
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(S::Error::custom)?;
        seq.end()
    }
}

fn write_manifest_json<T: Serialize>(m: &T, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    serde_json::to_writer_pretty(&mut out, m).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Build every tag file, sign the seal event, and write them all to `zip`
/// under `name/`.
pub(super) fn build<W: Write + Seek>(
    input: TagInput<'_>,
    zip: &mut ZipWriter<W>,
    werr: &dyn Fn(io::Error) -> SealError,
) -> Result<Tags, SealError> {
    let TagInput {
        opts,
        name,
        records,
        symlinks,
        unreadable,
        skipped,
        items,
        total,
        algos,
        signer,
    } = input;
    let files_sealed = records.len();
    let unreadable_count = unreadable.len() as u64;
    let manifest_algos: Vec<Algorithm> = algos
        .as_slice()
        .iter()
        .copied()
        .filter(|a| *a != Algorithm::Blake3)
        .collect();
    let tag_hash = |data: &[u8]| to_hex(&Sha256::digest(data));
    let add = |zip: &mut ZipWriter<W>, n: &str, data: &[u8]| {
        zip.add_bytes(&format!("{name}/{n}"), opts.method, data)
            .map_err(werr)
    };
    // (hash, name) of every tag file before the tag manifest.
    let mut tm: Vec<(String, String)> = Vec::new();
    tm.push((tag_hash(BAGIT_TXT_CONTENT), BAGIT_TXT.to_string()));

    // The manifests are rendered twice: once to learn their sizes and
    // hashes (and the derived bundle id), once into the zip.
    let mut derived = Sha256::new();
    derived.update(opts.time.to_le_bytes());
    derived.update(model::to_json_bytes(&opts.case));
    let mut manifests = Vec::new();
    for a in &manifest_algos {
        let mname = layout::manifest_name(*a);
        derived.update(mname.as_bytes());
        let mut m = measure(Some(&mut derived));
        render_manifest(records, *a, &mut m).map_err(werr)?;
        manifests.push((mname, m.len, to_hex(&m.sha.finalize())));
    }
    let bundle_id = match &opts.bundle_id {
        Some(id) => id.clone(),
        None if opts.reproducible => derived_id(derived),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let sealed = model::format_rfc3339_utc(opts.time);
    let mut labels: Vec<(&str, String)> = Vec::new();
    labels.push(("Bagging-Date", model::format_date_utc(opts.time)));
    labels.push(("Bag-Software-Agent", opts.agent.clone()));
    labels.push(("External-Identifier", format!("urn:uuid:{bundle_id}")));
    labels.push(("Payload-Oxum", format!("{total}.{files_sealed}")));
    labels.push(("Bag-Size", bagit::human_size(total)));
    labels.extend(opts.case.bag_info_labels());
    let bag_info = bagit::render_bag_info(&labels);
    tm.push((tag_hash(&bag_info), BAG_INFO.to_string()));
    add(zip, BAGIT_TXT, BAGIT_TXT_CONTENT)?;
    add(zip, BAG_INFO, &bag_info)?;
    for (a, (mname, len, hash)) in manifest_algos.iter().zip(manifests) {
        let mut e = zip
            .start_entry(&format!("{name}/{mname}"), opts.method, len)
            .map_err(werr)?;
        render_manifest(records, *a, &mut e).map_err(werr)?;
        e.finish().map_err(werr)?;
        tm.push((hash, mname));
    }
    let algorithms: Vec<String> = manifest_algos
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    let files = FilesOut(RefCell::new(records));
    let manifest = ManifestOut {
        schema: model::MANIFEST_SCHEMA,
        bundle_id: &bundle_id,
        bundle_name: name,
        sealed: &sealed,
        tool: &opts.agent,
        case: &opts.case,
        algorithms: &algorithms,
        piece_size: opts.piece_size,
        piece_algorithm: Some(model::PIECE_ALGORITHM.name()),
        files,
        symlinks: &symlinks,
        unreadable: &unreadable,
        skipped: &skipped,
        items: &items,
    };
    let mut m = measure(None);
    write_manifest_json(&manifest, &mut m).map_err(werr)?;
    let mut e = zip
        .start_entry(&format!("{name}/{MANIFEST_JSON}"), opts.method, m.len)
        .map_err(werr)?;
    write_manifest_json(&manifest, &mut e).map_err(werr)?;
    e.finish().map_err(werr)?;
    tm.push((to_hex(&m.sha.finalize()), MANIFEST_JSON.to_string()));
    tm.sort_by(|a, b| a.1.cmp(&b.1));
    let tagmanifest = bagit::render_manifest(tm.iter().map(|(d, n)| (d.as_str(), n.as_str())));
    let tagmanifest_sha256 = tag_hash(&tagmanifest);
    let mut tag_files: Vec<(String, Vec<u8>)> = Vec::new();
    tag_files.push((TAGMANIFEST_SHA256.to_string(), tagmanifest));

    // The seal event, its signature and the signer's keys.
    let actor = match signer {
        Some(s) => Actor {
            key_id: Some(s.key_id()),
            ..s.actor()
        },
        None => Actor {
            key_id: None,
            name: opts.case.examiner.clone(),
            organisation: opts.case.organisation.clone(),
            country: None,
            role: None,
        },
    };
    let event = CustodyEvent {
        kind: model::CUSTODY_EVENT_TYPE.to_string(),
        bundle_id: bundle_id.clone(),
        seq: 1,
        prev: None,
        action: "seal".to_string(),
        time: sealed,
        actor,
        tagmanifest_sha256,
        recipient: None,
        completes: None,
        location: None,
        purpose: None,
        note: None,
    };
    let event_bytes = model::to_json_bytes(&event);
    let event_name = layout::event_name(1, "seal");
    let head = tag_hash(&event_bytes);
    if let Some(s) = signer {
        let sig = s.sign(&event_bytes, &trusted_comment(&bundle_id, 1, &s.key_id()))?;
        tag_files.push((event_name.clone(), event_bytes));
        tag_files.push((layout::signature_name(&event_name), sig));
        tag_files.push((layout::public_key_name(&s.key_id()), s.public_key_file()));
        if let Some((cert, cert_sig)) = s.certificate_files() {
            let cn = layout::certificate_name(&s.key_id());
            tag_files.push((layout::signature_name(&cn), cert_sig));
            tag_files.push((cn, cert));
            // The issuing root's key, after the certificate it checks
            // (docs/formats/bundle.md, format change).
            if let Some((name, bytes)) = s.issuer_key_file() {
                tag_files.push((name, bytes));
            }
        }
    } else {
        tag_files.push((event_name, event_bytes));
    }
    for (n, data) in &tag_files {
        add(zip, n, data)?;
    }
    Ok(Tags {
        bundle_id,
        head,
        files_sealed,
        unreadable: unreadable_count,
    })
}

/// A bundle id derived from the content (UUID version 8, RFC 9562), for
/// reproducible output: same payload, time and case give the same id.
/// `data` has hashed the time, the case and every manifest's name and text.
fn derived_id(data: Sha256) -> String {
    let d = data.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::spill::FileRecord;
    use crate::model::{CaseMeta, FileEntry, ItemEntry, Manifest};
    use crate::pathrepr::PathRepr;

    /// The streamed manifest.json is byte for byte what serializing the
    /// whole [`Manifest`] gives, with and without items.
    #[test]
    fn streamed_manifest_json_equals_the_whole_document() {
        let dir = tempfile::tempdir().unwrap();
        let mut records = Records::new(dir.path(), ".t.").unwrap();
        let pieces: Vec<&[u8]> = vec![&[3u8; 32], &[4u8; 32]];
        for i in 0..5u8 {
            records
                .push(&FileRecord {
                    path: &format!("data/f{i}%\n"),
                    original: &[b'f', i, 0xfe],
                    size: u64::from(i) * 1000,
                    sha256: &[i; 32],
                    blake3: &[9; 32],
                    extra: [Some(&[1; 64]), None, Some(&[2; 16])],
                    pieces: if i == 2 { &pieces } else { &[] },
                })
                .unwrap();
        }
        let mut files: Vec<FileEntry> = Vec::new();
        records
            .for_each(&mut |e| {
                files.push(e.clone());
                Ok(())
            })
            .unwrap();
        let case = CaseMeta {
            case_reference: "C-1".into(),
            ..CaseMeta::default()
        };
        let item = ItemEntry {
            item: "i".into(),
            record: "data/r".into(),
            image: vec!["data/a".into()],
            source: PathRepr::from_bytes(b"/dev/x"),
            device: None,
            size: 5,
            hashes: [("sha256".to_string(), "00".to_string())].into(),
            bad_ranges: vec![[1, 2]],
            complete: true,
        };
        for items in [vec![], vec![item]] {
            let whole = Manifest {
                schema: model::MANIFEST_SCHEMA.into(),
                bundle_id: "id".into(),
                bundle_name: "b".into(),
                sealed: "2024-01-01T00:00:00Z".into(),
                tool: "t".into(),
                case: case.clone(),
                algorithms: vec!["sha256".into(), "md5".into()],
                piece_size: 4096,
                piece_algorithm: Some("blake3-tree".into()),
                files: files.clone(),
                symlinks: vec![LinkEntry {
                    original: PathRepr::from_bytes(b"l"),
                    target: PathRepr::from_bytes(b"t"),
                }],
                unreadable: vec![UnreadableEntry {
                    original: PathRepr::from_bytes(b"u"),
                    error: "e".into(),
                }],
                skipped: vec![SkippedEntry {
                    original: PathRepr::from_bytes(b"s"),
                    kind: "fifo".into(),
                }],
                items: items.clone(),
            };
            let streamed = ManifestOut {
                schema: &whole.schema,
                bundle_id: &whole.bundle_id,
                bundle_name: &whole.bundle_name,
                sealed: &whole.sealed,
                tool: &whole.tool,
                case: &whole.case,
                algorithms: &whole.algorithms,
                piece_size: whole.piece_size,
                piece_algorithm: whole.piece_algorithm.as_deref(),
                files: FilesOut(RefCell::new(&mut records)),
                symlinks: &whole.symlinks,
                unreadable: &whole.unreadable,
                skipped: &whole.skipped,
                items: &whole.items,
            };
            let mut out = Vec::new();
            write_manifest_json(&streamed, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(model::to_json_bytes(&whole)).unwrap()
            );
        }
    }
}
