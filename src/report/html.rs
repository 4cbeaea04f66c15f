//! The HTML renderer: one self-contained file (inline CSS, no external
//! resource, no script), printable on A4. Every string is escaped here;
//! every value is isolated in a `<bdi>` element and marked when it holds
//! hidden characters, with a legend under the report saying what the mark
//! means.

use super::BundleFacts;
use super::TOOL_VERSION;
use super::document::{Block, Cell, Document, FILES_HEAD, Part, file_row};
use super::escape::{HIDDEN_LEGEND, HIDDEN_MARK, has_hidden, html, html_hex, prose_lines};
use std::io::{self, Write};

const CSS: &str = "\
@page { size: A4; margin: 18mm 16mm; }
body { font: 10.5pt/1.45 Georgia, 'Times New Roman', serif; color: #111; max-width: 178mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
h2 { font-size: 12.5pt; border-bottom: 1px solid #999; margin-top: 16pt; break-after: avoid; page-break-after: avoid; }
.verdict { font: bold 18pt sans-serif; padding: 6pt 10pt; border: 2px solid; display: inline-block; margin: 6pt 0; }
.ok { color: #0a5c1f; border-color: #0a5c1f; }
.bad { color: #a01010; border-color: #a01010; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
th, td { border: 1px solid #bbb; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { background: #eee; }
tr, .stop { break-inside: avoid; page-break-inside: avoid; }
dl.fields { display: grid; grid-template-columns: 38mm 1fr; gap: 2pt 8pt; margin: 4pt 0; }
dl.fields dt { font-weight: bold; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
.hex { font: 8.5pt/1.35 'DejaVu Sans Mono', Consolas, monospace; overflow-wrap: anywhere; }
.hex span.algo { font-family: sans-serif; color: #555; }
ol.timeline { list-style: none; padding-left: 0; border-left: 3px solid #555; margin-left: 8pt; }
ol.timeline li.stop { position: relative; padding: 2pt 0 8pt 14pt; }
ol.timeline li.stop::before { content: ''; position: absolute; left: -8.5pt; top: 5pt; width: 11pt; height: 11pt; border-radius: 50%; background: #fff; border: 3px solid #0a5c1f; }
ol.timeline li.stop.bad::before { border-color: #a01010; }
ol.timeline h3 { font-size: 11pt; margin: 0 0 2pt; }
.fp { font: 9pt/1.35 'DejaVu Sans Mono', Consolas, monospace; }
.fp span { display: block; white-space: nowrap; }
.mark { font: bold 8.5pt sans-serif; color: #a01010; white-space: nowrap; }
pre { font: 8.5pt/1.4 'DejaVu Sans Mono', Consolas, monospace; background: #f5f5f5; padding: 6pt; white-space: pre-wrap; overflow-wrap: anywhere; break-inside: avoid; }
footer { margin-top: 16pt; font-size: 8.5pt; color: #555; }
";

/// Whether a value was marked as holding hidden characters, so that the
/// legend explaining the mark is written under the report.
#[derive(Default)]
struct Marks(std::cell::Cell<bool>);

/// One value: escaped, isolated (`<bdi>`: right-to-left text in it cannot
/// reorder the text around it), and marked when it holds hidden characters.
fn value(v: &str, escaped: String, marks: &Marks) -> String {
    let mut s = format!("<bdi>{escaped}</bdi>");
    if has_hidden(v) {
        marks.0.set(true);
        s.push_str(&format!(
            " <span class=\"mark\">[{}]</span>",
            html(HIDDEN_MARK)
        ));
    }
    s
}

fn cell(c: &Cell, marks: &Marks) -> String {
    match c {
        Cell::Text(t) => value(t, html(t), marks),
        Cell::Prose(t) => prose_lines(t)
            .map(|l| value(l, html(l), marks))
            .collect::<Vec<_>>()
            .join("<br>"),
        Cell::Parts(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Ours(s) => html(s),
                Part::Value(v) => value(v, html(v), marks),
            })
            .collect(),
        Cell::Hashes(h) => h
            .iter()
            .map(|(algo, hex)| {
                format!(
                    "<div class=\"hex\"><span class=\"algo\">{}</span> {}</div>",
                    html(algo),
                    value(hex, html_hex(hex), marks)
                )
            })
            .collect::<Vec<_>>()
            .join(""),
        Cell::Fingerprint(lines) => {
            let lines: String = lines
                .iter()
                .map(|l| format!("<span>{}</span>", html(l)))
                .collect();
            format!("<div class=\"fp\">{lines}</div>")
        }
    }
}

/// A cell as plain text (for `<title>`): escaped, marked, no markup.
fn plain(c: &Cell) -> String {
    let one = |v: &str| match has_hidden(v) {
        true => format!("{} [{HIDDEN_MARK}]", html(v)),
        false => html(v),
    };
    match c {
        Cell::Text(t) | Cell::Prose(t) => one(t),
        Cell::Parts(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Ours(s) => html(s),
                Part::Value(v) => one(v),
            })
            .collect(),
        Cell::Hashes(h) => h.iter().map(|(_, x)| one(x)).collect(),
        Cell::Fingerprint(lines) => html(&lines.join(" ")),
    }
}

fn fields(out: &mut dyn Write, f: &[(&str, Cell)], marks: &Marks) -> io::Result<()> {
    writeln!(out, "<dl class=\"fields\">")?;
    for (label, value) in f {
        writeln!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            html(label),
            cell(value, marks)
        )?;
    }
    writeln!(out, "</dl>")
}

fn table_head(out: &mut dyn Write, head: &[&str]) -> io::Result<()> {
    write!(out, "<table>\n<thead><tr>")?;
    for h in head {
        write!(out, "<th>{}</th>", html(h))?;
    }
    writeln!(out, "</tr></thead>\n<tbody>")
}

fn table_row(out: &mut dyn Write, row: &[Cell], marks: &Marks) -> io::Result<()> {
    write!(out, "<tr>")?;
    for c in row {
        write!(out, "<td>{}</td>", cell(c, marks))?;
    }
    writeln!(out, "</tr>")
}

/// Write `doc` as HTML, with the files of `facts` in its files table.
pub fn render(doc: &Document, facts: &BundleFacts, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    let marks = Marks::default();
    writeln!(out, "<title>{}</title>", plain(&doc.title))?;
    writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>")?;
    writeln!(out, "<h1>{}</h1>", cell(&doc.title, &marks))?;
    let class = if doc.verified { "ok" } else { "bad" };
    writeln!(
        out,
        "<div class=\"verdict {class}\">{}</div>",
        html(&doc.verdict)
    )?;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => writeln!(out, "<h2>{}</h2>", html(h))?,
            Block::Para(p) => writeln!(out, "<p>{}</p>", cell(p, &marks))?,
            Block::Fields(f) => fields(out, f, &marks)?,
            Block::Table(head, rows) => {
                table_head(out, head)?;
                for row in rows {
                    table_row(out, row, &marks)?;
                }
                writeln!(out, "</tbody>\n</table>")?;
            }
            Block::Files => {
                table_head(out, &FILES_HEAD)?;
                facts.for_each_file_sorted(&mut |x| table_row(out, &file_row(x), &marks))?;
                writeln!(out, "</tbody>\n</table>")?;
            }
            Block::Timeline(stops) => {
                if stops.is_empty() {
                    writeln!(out, "<p>No readable custody events.</p>")?;
                    continue;
                }
                writeln!(out, "<ol class=\"timeline\">")?;
                for s in stops {
                    let class = if s.ok { "stop" } else { "stop bad" };
                    writeln!(
                        out,
                        "<li class=\"{class}\"><h3>{}</h3>",
                        cell(&s.title, &marks)
                    )?;
                    fields(out, &s.fields, &marks)?;
                    writeln!(out, "</li>")?;
                }
                writeln!(out, "</ol>")?;
            }
            Block::Commands(lines) => {
                writeln!(out, "<pre dir=\"ltr\">")?;
                for l in lines {
                    writeln!(out, "{}", value(l, html(l), &marks))?;
                }
                writeln!(out, "</pre>")?;
            }
        }
    }
    if marks.0.get() {
        writeln!(out, "<p class=\"legend\">{}</p>", html(HIDDEN_LEGEND))?;
    }
    writeln!(
        out,
        "<footer>Written by evidentia {TOOL_VERSION}. Every value above comes from the bundle and its \
         verification; times are the signers' clocks, as claimed.</footer>\n</body>\n</html>"
    )
}
