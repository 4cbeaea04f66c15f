//! `acquisition.txt`: the human log, laid out like the logs labs already
//! read from FTK Imager and Guymager (case information, source, hashes,
//! verification, bad sectors). It says nothing the record does not.

use crate::escape::marked;
use crate::model::acquisition::{AcquisitionRecord, Outcome, Verification};
use crate::model::acquisition_ewf::{EwfDate, EwfSource};
use std::fmt::Write as _;

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// Render the log for `rec`.
pub fn render_log(rec: &AcquisitionRecord) -> String {
    let mut s = String::new();
    case_section(&mut s, rec);
    source_section(&mut s, rec);
    if let Some(e) = &rec.source.ewf {
        ewf_section(&mut s, e);
    }
    acquisition_section(&mut s, rec);
    image_section(&mut s, rec);
    bad_sector_section(&mut s, rec);
    if let Some(v) = &rec.verification {
        verification_section(&mut s, rec, v);
    }
    s
}

// Writing to a String cannot fail: the results of `writeln!` are ignored
// throughout.

/// The tool and the case information, then a rule.
fn case_section(w: &mut String, rec: &AcquisitionRecord) {
    let _ = writeln!(w, "Created by {} {}", rec.tool.name, rec.tool.version);
    let _ = writeln!(w, "\nCase Information:");
    let _ = writeln!(w, "Case Number: {}", or_dash(&rec.case.case_id));
    let _ = writeln!(w, "Evidence Number: {}", or_dash(&rec.case.item_id));
    let _ = writeln!(w, "Examiner: {}", or_dash(&rec.case.examiner));
    let _ = writeln!(w, "Notes: {}", or_dash(&rec.case.notes));
    let _ = writeln!(w, "\n{}", "-".repeat(62));
}

/// `[Source]` (with the device's identification) and `[Drive Geometry]`.
fn source_section(w: &mut String, rec: &AcquisitionRecord) {
    let src = &rec.source;
    let path = String::from_utf8_lossy(src.path.as_bytes()).into_owned();
    let _ = writeln!(w, "\nInformation for {path}:");
    let _ = writeln!(w, "\n[Source]");
    let _ = writeln!(w, " Source Type: {:?}", src.kind);
    if let Some(d) = &src.device {
        let _ = writeln!(w, " Kernel Name: {}", or_dash(&d.kernel_name));
        let _ = writeln!(w, " Drive Model: {}", or_dash(&d.model));
        let _ = writeln!(w, " Drive Vendor: {}", or_dash(&d.vendor));
        let _ = writeln!(w, " Drive Serial Number: {}", or_dash(&d.serial));
        let _ = writeln!(w, " Firmware Revision: {}", or_dash(&d.firmware));
        let removable = d.removable.map_or("-", |r| if r { "yes" } else { "no" });
        let _ = writeln!(w, " Removable: {removable}");
        if let Some(b) = &d.backing_file {
            let _ = writeln!(w, " Loop Backing File: {b}");
        }
    }
    let _ = writeln!(w, "\n[Drive Geometry]");
    let _ = writeln!(w, " Bytes per Sector: {}", src.logical_sector_size);
    let _ = writeln!(w, " Physical Sector Size: {}", src.physical_sector_size);
    let num = |v: Option<u64>| v.map_or("-".to_string(), |n| n.to_string());
    let _ = writeln!(w, " Sector Count: {}", num(src.sectors));
    let _ = writeln!(w, " Source Data Size: {} bytes", num(src.size));
}

/// `[EWF Source]`: the set's segments, geometry, header (text from another
/// tool: escaped), stored hashes and what was checked.
fn ewf_section(w: &mut String, e: &EwfSource) {
    let _ = writeln!(w, "\n[EWF Source]");
    for seg in &e.segments {
        let sha = seg
            .sha256
            .as_deref()
            .map_or(String::new(), |h| format!(", SHA256 {h}"));
        let _ = writeln!(
            w,
            " Segment: {} ({} bytes{sha})",
            marked(&seg.name),
            seg.size
        );
    }
    let _ = writeln!(w, " Media Type: {}", e.media_type);
    let _ = writeln!(
        w,
        " Sectors per Chunk: {}, Chunks: {}",
        e.sectors_per_chunk, e.chunk_count
    );
    let _ = writeln!(w, " Compression: {}", e.compression);
    let _ = writeln!(w, " Set Identifier: {}", e.set_identifier);
    if let Some(h) = &e.header {
        let _ = writeln!(w, " Header: {} section, {}", h.section, h.encoding);
        let date = |d: &Option<EwfDate>| {
            d.as_ref().map(|d| match (&d.utc, &d.local_no_zone) {
                (Some(utc), _) => utc.clone(),
                (None, Some(local)) => format!("{local} (local time, zone not recorded)"),
                (None, None) => d.given.clone(),
            })
        };
        for (label, value) in [
            ("Case Number", h.case_number.clone()),
            ("Evidence Number", h.evidence_number.clone()),
            ("Description", h.description.clone()),
            ("Examiner", h.examiner.clone()),
            ("Notes", h.notes.clone()),
            ("Acquisition Date", date(&h.acquisition_date)),
            ("System Date", date(&h.system_date)),
            ("Acquiring Software", h.software.clone()),
            ("Acquiring OS", h.os.clone()),
            ("Media Model", h.model.clone()),
            ("Media Serial Number", h.serial.clone()),
        ] {
            let _ = writeln!(w, "  {label}: {}", marked(value.as_deref().unwrap_or("-")));
        }
    } else {
        let _ = writeln!(w, " Header: none");
    }
    let stored = &e.stored_hashes;
    let _ = writeln!(w, " Stored MD5: {}", or_dash(&stored.md5));
    let _ = writeln!(w, " Stored SHA1: {}", or_dash(&stored.sha1));
    for r in &e.acquisition_errors {
        let _ = writeln!(
            w,
            " Unreadable when the E01 was made: bytes {}..{}",
            r.offset,
            r.end()
        );
    }
    let i = &e.integrity;
    let _ = writeln!(w, " Check: {}", i.statement);
    for c in &i.checks {
        let _ = writeln!(w, "  checked: {c}");
    }
    for c in &i.chunk_errors {
        let _ = writeln!(
            w,
            "  chunk {} (bytes {}..{}) in {}: {}",
            c.chunk,
            c.range.offset,
            c.range.end(),
            marked(&c.segment),
            c.problem
        );
    }
}

/// `[Acquisition]`: host, command line, settings, times, completeness.
fn acquisition_section(w: &mut String, rec: &AcquisitionRecord) {
    let _ = writeln!(w, "\n[Acquisition]");
    let _ = writeln!(w, " Host: {}", rec.host.name);
    let _ = writeln!(
        w,
        " Operating System: {} {} {} {}",
        rec.host.os, rec.host.os_release, rec.host.os_version, rec.host.machine
    );
    let _ = writeln!(w, " Command Line: {}", rec.command_line.join(" "));
    let _ = writeln!(w, " Block Size: {}", rec.block_size);
    let _ = writeln!(w, " Retries per Sector: {}", rec.retries);
    let _ = writeln!(
        w,
        " Acquisition Started: {} ({})",
        rec.started.utc, rec.started.local
    );
    if let Some(e) = &rec.ended {
        let _ = writeln!(w, " Acquisition Finished: {} ({})", e.utc, e.local);
    }
    let _ = writeln!(w, " Complete: {}", if rec.complete { "yes" } else { "NO" });
    if let Some(why) = &rec.stopped {
        let _ = writeln!(w, " Stopped: {why}");
    }
}

/// `[Image]` (size, segments, map file) and `[Computed Hashes]`.
fn image_section(w: &mut String, rec: &AcquisitionRecord) {
    let _ = writeln!(w, "\n[Image]");
    let _ = writeln!(w, " Image Size: {} bytes", rec.image.size);
    let _ = writeln!(w, " Segment List:");
    for seg in &rec.image.segments {
        let _ = writeln!(w, "  {} ({} bytes)", seg.name, seg.size);
    }
    let _ = writeln!(w, " Map File: {}", rec.image.map_file);
    let _ = writeln!(w, "\n[Computed Hashes]");
    for (algo, hex) in &rec.hashes {
        let _ = writeln!(w, " {:<7} checksum: {hex}", algo.to_uppercase());
    }
    let _ = writeln!(w, " {}", rec.hash_coverage);
}

/// `[Bad Sectors]`: the count and each zero-filled range.
fn bad_sector_section(w: &mut String, rec: &AcquisitionRecord) {
    let bad = &rec.bad_sectors;
    let _ = writeln!(w, "\n[Bad Sectors]");
    let _ = writeln!(
        w,
        " {} unreadable sector(s) of {} bytes, {} bytes zero-filled",
        bad.count, bad.sector_size, bad.bytes
    );
    for r in &bad.ranges {
        let first = r.offset / u64::from(bad.sector_size.max(1));
        let _ = writeln!(
            w,
            "  bytes {}..{} (sector {first}, {} bytes)",
            r.offset,
            r.offset + r.length,
            r.length
        );
    }
}

/// `[Verification]`: each re-read and its digests against the record's.
fn verification_section(w: &mut String, rec: &AcquisitionRecord, v: &Verification) {
    let _ = writeln!(w, "\n[Verification]");
    for c in &v.checks {
        let _ = writeln!(w, " {}: {}", c.target, c.compared);
        let _ = writeln!(w, "  page cache dropped first: {}", c.page_cache_dropped);
        for (algo, hex) in &c.hashes {
            let ok = rec.hashes.get(algo) == Some(hex);
            let verdict = if ok { "verified" } else { "MISMATCH" };
            let _ = writeln!(
                w,
                "  {:<7} checksum: {hex} : {verdict}",
                algo.to_uppercase()
            );
        }
    }
    if let Some(why) = &v.source_not_checked {
        let _ = writeln!(w, " source not re-read: {why}");
    }
    let outcome = match v.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "FAILED",
    };
    let _ = writeln!(w, " Verification {outcome} at {}", v.ended.utc);
}
