//! `report`: turn a bundle and its verification into a document for people
//! (HTML for a court, Markdown) or for programs (the verify JSON, CASE/UCO
//! JSON-LD).
//!
//! Invariants:
//! - Nothing here prints: every renderer writes to a caller's writer.
//! - The bundle is read with the same capped reader as `verify`; anything
//!   unreadable is simply absent from the facts (verify reports why).
//! - The file list of manifest.json is streamed from the bundle into the
//!   writer ([`BundleFacts::for_each_file`]), never held whole, and so is
//!   every document: memory does not grow with the number of files.
//! - Every string that came from the bundle is escaped for its output
//!   format ([`escape`]): hidden characters (bidirectional controls and
//!   other invisible ones) are shown as `<U+XXXX>` and the value marked; in
//!   HTML every value is isolated (`<bdi>`). HTML output is one
//!   self-contained file with no external resource and no script.
//! - A person or key is named only by an identity verify proved
//!   ([`certified_identity`]).
//! - The verdict shown is the verify report's, never recomputed here.

mod capture;
mod case;
mod document;
pub use crate::escape;
mod facts;
mod html;
mod markdown;
mod people;
mod provenance;

pub use facts::{BundleFacts, EventFacts, RereadError, read_facts};
pub use people::certified_identity;

use crate::verify::{CheckOutcome, VerifyReport};
use serde::Serialize;
use std::io::{self, Write};

/// The version of the tool writing the report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One self-contained, printable HTML file.
    Html,
    /// The same content as Markdown.
    Markdown,
    /// The verification report document (`evidentia/verify-report/v1`).
    Json,
    /// CASE 1.5.0 / UCO JSON-LD.
    Case,
}

/// What a report is made from.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// The verification result.
    pub verify: &'a VerifyReport,
    /// What was read from the bundle.
    pub facts: &'a BundleFacts,
    /// The bundle's file name, as given.
    pub bundle_name: &'a str,
    /// When the report was made (RFC 3339, from the caller's clock).
    pub generated: &'a str,
    /// The encrypted file the bundle arrived as, when the verified bundle
    /// is its decrypted copy.
    pub ciphertext: Option<&'a Ciphertext>,
}

/// An encrypted input: the age file whose decrypted copy was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ciphertext {
    /// Hex SHA-256 of the age file, as it arrived.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The writer failed.
    #[error("cannot write the report: {0}")]
    Write(#[from] io::Error),
    /// The bundle's file list could not be read again while writing.
    #[error("{0}")]
    Reread(#[from] RereadError),
    /// The JSON could not be serialized.
    #[error("cannot serialize the report: {0}")]
    Json(#[from] serde_json::Error),
}

/// The JSON document of `verify --json` and `report --format json`
/// (docs/verify-semantics.md).
#[derive(Debug, Serialize)]
pub struct VerifyJson<'a> {
    /// `evidentia/verify-report/v1`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `verified` or `failed`.
    pub verdict: &'static str,
    /// The number of findings.
    pub problems: usize,
    /// Every mandatory check and its outcome (`passed`, `failed`,
    /// `not-run`), in order.
    pub checks: Vec<CheckOutcome>,
    /// When the input was an age-encrypted file: its SHA-256 and size
    /// (the report is of its decrypted copy). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext: Option<Ciphertext>,
    /// The report itself.
    #[serde(flatten)]
    pub report: &'a VerifyReport,
}

impl<'a> VerifyJson<'a> {
    /// The document for `report`.
    pub fn new(report: &'a VerifyReport) -> VerifyJson<'a> {
        VerifyJson {
            kind: "evidentia/verify-report/v1",
            verdict: if report.verified() {
                "verified"
            } else {
                "failed"
            },
            problems: report.findings.len(),
            checks: report.check_outcomes(),
            ciphertext: None,
            report,
        }
    }

    /// The document for `report`, made from the decrypted copy of the
    /// encrypted file `ciphertext` when there is one.
    pub fn with_ciphertext(mut self, ciphertext: Option<&Ciphertext>) -> VerifyJson<'a> {
        self.ciphertext = ciphertext.cloned();
        self
    }
}

/// Render `input` as `format` into `out`, streaming manifest.json's files
/// from the bundle (see [`BundleFacts`]): memory does not grow with them.
pub fn render(input: &ReportInput, format: Format, out: &mut dyn Write) -> Result<(), ReportError> {
    render_to(input, format, out).map_err(|e| match e {
        ReportError::Write(io) if io.get_ref().is_some_and(|i| i.is::<RereadError>()) => {
            ReportError::Reread(RereadError)
        }
        other => other,
    })
}

fn render_to(input: &ReportInput, format: Format, out: &mut dyn Write) -> Result<(), ReportError> {
    match format {
        Format::Html => html::render(&document::build(input), input.facts, out)?,
        Format::Markdown => markdown::render(&document::build(input), input.facts, out)?,
        Format::Json => {
            let doc = VerifyJson::new(input.verify).with_ciphertext(input.ciphertext);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            out.write_all(b"\n")?;
        }
        Format::Case => {
            case::write(input, out)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
