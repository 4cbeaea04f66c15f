//! The `source.ewf` block: what the set says about itself (geometry, case
//! metadata, stored hashes, acquisition errors) and what was checked.
//!
//! Invariants: the outcome is `verified` only when the whole media was
//! read, no chunk failed, and at least one hash was stored and every
//! stored hash equals the one computed over the media read.

use super::ewf_source::EwfMedia;
use crate::ewf::{EwfImage, HeaderEncoding, HeaderInfo};
use crate::model::acquisition::{AcquisitionRecord, ByteRange};
use crate::model::acquisition_ewf::{
    EwfDate, EwfHeader, EwfIntegrity, EwfOutcome, EwfSegment, EwfSource, EwfStoredHashes,
    HashComparison, NO_STORED_HASH,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The checks every read of a set makes, in words, in order.
const STRUCTURE_CHECKS: &[&str] = &[
    "segment files found by name from the first, each one's file header and segment number \
     checked, none missing, none after the one that ends the set",
    "every section descriptor's Adler-32, and its size agreeing with the next section's offset",
    "the volume section's Adler-32 and geometry, and every later data section equal to it",
    "every table's Adler-32s, its entries inside their sectors section, and table2 equal to it",
    "the chunks of all tables covering exactly the media size",
    "the header sections' zlib streams, and their copies equal",
    "the hash and digest sections' Adler-32, and their MD5 values equal",
];

/// The check of each chunk, in words.
const CHUNK_CHECK: &str = "every chunk: an uncompressed chunk's Adler-32; a compressed chunk's \
zlib header, Adler-32 trailer and exact inflated length";

/// The geometry, header, stored hashes and acquisition errors of `image`;
/// the integrity part is filled in by [`integrity`].
pub(super) fn describe(image: &EwfImage, segments: Vec<EwfSegment>) -> EwfSource {
    let v = image.volume();
    let stored = image.stored_hashes();
    let sector = u64::from(image.bytes_per_sector());
    EwfSource {
        segments,
        media_type: match v.media_type {
            0x00 => "removable".into(),
            0x01 => "fixed".into(),
            0x03 => "optical".into(),
            0x0e => "logical".into(),
            0x10 => "memory".into(),
            other => format!("unknown 0x{other:02x}"),
        },
        bytes_per_sector: v.bytes_per_sector,
        sectors_per_chunk: v.sectors_per_chunk,
        chunk_count: image.chunk_count(),
        sector_count: v.sector_count,
        compression: compression(v.compression_level, image.header()),
        set_identifier: crate::hash::to_hex(&v.set_identifier),
        header: image.header().map(header),
        stored_hashes: EwfStoredHashes {
            md5: stored.md5.map(|d| crate::hash::to_hex(&d)),
            sha1: stored.sha1.map(|d| crate::hash::to_hex(&d)),
        },
        acquisition_errors: image
            .acquisition_errors()
            .iter()
            .map(|e| ByteRange {
                offset: u64::from(e.first_sector) * sector,
                length: u64::from(e.sector_count) * sector,
            })
            .collect(),
        integrity: EwfIntegrity {
            outcome: EwfOutcome::Incomplete,
            statement: "not read yet".into(),
            checks: Vec::new(),
            media_bytes_read: 0,
            chunks_checked: 0,
            chunks_failed: 0,
            chunk_errors: Vec::new(),
            md5: None,
            sha1: None,
        },
    }
}

/// The compression level: the volume section's, unless it says none and
/// an FTK Imager header's `r` key names one (FTK Imager leaves the volume's
/// level at 0 even when its chunks are compressed).
fn compression(level: u8, header: Option<&HeaderInfo>) -> String {
    let from_r = match header.and_then(|h| h.get("r")) {
        Some("f") => Some("fast"),
        Some("b") => Some("best"),
        _ => None,
    };
    match (level, from_r) {
        (0, Some(r)) => format!("{r} (from the header's r key; the volume section says none)"),
        (0, None) => "none".into(),
        (1, _) => "fast".into(),
        (2, _) => "best".into(),
        (other, _) => format!("unknown {other}"),
    }
}

/// The header's values, each kept only when non-empty.
fn header(h: &HeaderInfo) -> EwfHeader {
    let text = |v: Option<&str>| v.filter(|s| !s.trim().is_empty()).map(str::to_string);
    let (section, encoding) = match h.encoding {
        HeaderEncoding::Utf16Le => ("header2", "utf-16le"),
        HeaderEncoding::Utf16Be => ("header2", "utf-16be"),
        HeaderEncoding::Ascii => ("header", "ascii"),
        HeaderEncoding::AssumedWindows1252 => (
            "header",
            "windows-1252 (assumed: the header section does not name its codepage)",
        ),
    };
    EwfHeader {
        section: section.into(),
        encoding: encoding.into(),
        case_number: text(h.case_number()),
        evidence_number: text(h.evidence_number()),
        description: text(h.description()),
        examiner: text(h.examiner()),
        notes: text(h.notes()),
        acquisition_date: text(h.acquisition_date()).map(|d| date(&d)),
        system_date: text(h.system_date()).map(|d| date(&d)),
        software: text(h.software_version()),
        os: text(h.os()),
        model: text(h.model()),
        serial: text(h.serial_number()),
    }
}

/// A header date: POSIX seconds (`header2`) fix the moment; six numbers
/// (`header`: `2002 3 4 10 19 59`) are the acquiring machine's local time,
/// whose zone the file does not record. Anything else is kept as given.
pub(super) fn date(given: &str) -> EwfDate {
    let mut d = EwfDate {
        given: given.to_string(),
        utc: None,
        local_no_zone: None,
    };
    let t = given.trim();
    if !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(secs) = t.parse::<i64>() {
            d.utc = Some(crate::model::format_rfc3339_utc(secs));
        }
        return d;
    }
    let parts: Vec<u32> = t
        .split_ascii_whitespace()
        .map_while(|p| p.parse().ok())
        .collect();
    if let [y, mo, day, h, mi, s] = parts[..]
        && t.split_ascii_whitespace().count() == 6
        && (1..=12).contains(&mo)
        && (1..=31).contains(&day)
        && h < 24
        && mi < 60
        && s < 61
        && (1970..=9999).contains(&y)
    {
        d.local_no_zone = Some(format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}"));
    }
    d
}

/// What was checked and found, from the media read and the digests of
/// what was read (`hashes`: algorithm name to hex).
pub(super) fn integrity(
    media: &EwfMedia,
    bytes_read: u64,
    complete: bool,
    hashes: &BTreeMap<String, String>,
    stored: &EwfStoredHashes,
) -> EwfIntegrity {
    let image = media.image();
    let whole = complete && bytes_read == image.media_size();
    let compare = |stored: &Option<String>, algo: &str| {
        let stored = stored.clone()?;
        let computed = hashes.get(algo).cloned().unwrap_or_default();
        let matches = whole && stored.eq_ignore_ascii_case(&computed);
        Some(HashComparison {
            stored,
            computed,
            matches,
        })
    };
    let md5 = compare(&stored.md5, "md5");
    let sha1 = compare(&stored.sha1, "sha1");
    let mut checks: Vec<String> = STRUCTURE_CHECKS.iter().map(|s| s.to_string()).collect();
    checks.push(CHUNK_CHECK.into());
    for (name, c) in [("MD5", &md5), ("SHA-1", &sha1)] {
        if c.is_some() {
            checks.push(format!(
                "the stored {name} recomputed over all the media and compared"
            ));
        }
    }
    let failed = media.chunks_failed();
    let mismatched: Vec<&str> = [("MD5", &md5), ("SHA-1", &sha1)]
        .into_iter()
        .filter(|(_, c)| c.as_ref().is_some_and(|c| !c.matches))
        .map(|(n, _)| n)
        .collect();
    let (outcome, statement) = if !whole {
        (
            EwfOutcome::Incomplete,
            format!(
                "incomplete: {bytes_read} of {} media bytes were read; nothing is claimed \
                 about the rest",
                image.media_size()
            ),
        )
    } else if failed > 0 || !mismatched.is_empty() {
        let mut parts = Vec::new();
        if failed > 0 {
            parts.push(format!("{failed} chunk(s) failed their check"));
        }
        if !mismatched.is_empty() {
            parts.push(format!(
                "the stored {} {} not match the media",
                mismatched.join(" and "),
                if mismatched.len() > 1 { "do" } else { "does" }
            ));
        }
        (EwfOutcome::Failed, format!("FAILED: {}", parts.join("; ")))
    } else if md5.is_none() && sha1.is_none() {
        (EwfOutcome::NoStoredHash, NO_STORED_HASH.to_string())
    } else {
        let which: Vec<&str> = [("MD5", &md5), ("SHA-1", &sha1)]
            .into_iter()
            .filter(|(_, c)| c.is_some())
            .map(|(n, _)| n)
            .collect();
        (
            EwfOutcome::Verified,
            format!(
                "verified: every structure and chunk check passed and the stored {} {} the \
                 media read",
                which.join(" and "),
                if which.len() > 1 { "equal" } else { "equals" }
            ),
        )
    };
    EwfIntegrity {
        outcome,
        statement,
        checks,
        media_bytes_read: bytes_read,
        chunks_checked: media.chunks_checked(),
        chunks_failed: failed,
        chunk_errors: media.chunk_errors().to_vec(),
        md5,
        sha1,
    }
}

/// Checks, before a record is sealed, that its `source.ewf` block claims
/// nothing its own numbers (and the kept segments in `dir`) do not show:
/// a `verified` outcome needs every stored hash present, equal to the one
/// computed and to the record's image hash, no failed chunk and the whole
/// media read; kept segments must open as a set whose stored hashes and
/// size are the record's. Returns what is wrong.
pub fn check_claims(rec: &AcquisitionRecord, dir: &Path) -> Result<(), String> {
    let Some(e) = &rec.source.ewf else {
        return Ok(());
    };
    let i = &e.integrity;
    if i.outcome == EwfOutcome::Verified {
        let media = rec.source.size.unwrap_or(0);
        if i.chunks_failed != 0 || i.media_bytes_read != media || !rec.complete {
            return Err(
                "integrity says verified, but not all the media was read and checked".into(),
            );
        }
        let pairs = [
            ("md5", &i.md5, &e.stored_hashes.md5),
            ("sha1", &i.sha1, &e.stored_hashes.sha1),
        ];
        if pairs.iter().all(|(_, c, _)| c.is_none()) {
            return Err("integrity says verified, but no stored hash was compared".into());
        }
        for (algo, c, stored) in pairs {
            let ok = match (c, stored) {
                (None, None) => true,
                (Some(c), Some(s)) => {
                    c.matches
                        && c.stored.eq_ignore_ascii_case(s)
                        && c.computed.eq_ignore_ascii_case(s)
                        && rec
                            .hashes
                            .get(algo)
                            .is_some_and(|h| h.eq_ignore_ascii_case(s))
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "integrity says verified, but its {algo} values disagree with each other \
                     or with the record's hashes"
                ));
            }
        }
    }
    let Some(first) = e.segments.first().filter(|s| s.sha256.is_some()) else {
        return Ok(());
    };
    let kept = EwfImage::open(&dir.join(&first.name)).map_err(|err| err.to_string())?;
    let stored = kept.stored_hashes();
    let same = kept.media_size() == rec.source.size.unwrap_or(u64::MAX)
        && stored.md5.map(|d| crate::hash::to_hex(&d)) == e.stored_hashes.md5
        && stored.sha1.map(|d| crate::hash::to_hex(&d)) == e.stored_hashes.sha1
        && kept.segment_paths().count() == e.segments.len();
    if !same {
        return Err("the kept segments' media size or stored hashes are not the record's".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::date;

    #[test]
    fn dates_are_read_for_what_they_say() {
        let d = date("1796287924");
        assert_eq!(d.utc.as_deref(), Some("2026-12-03T08:52:04Z"));
        assert_eq!(d.local_no_zone, None);
        let d = date("2026 12 3 8 52 4");
        assert_eq!(d.utc, None);
        assert_eq!(d.local_no_zone.as_deref(), Some("2026-12-03T08:52:04"));
        for odd in [
            "2026 13 3 8 52 4",
            "yesterday",
            "2026 12 3 8 52",
            "1 2 3 4 5 6 7",
        ] {
            let d = date(odd);
            assert_eq!((d.utc, d.local_no_zone), (None, None), "{odd}");
            assert_eq!(d.given, odd);
        }
    }
}
