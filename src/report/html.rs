//! The HTML renderer: one self-contained file (inline CSS, no external
//! resource, no script), printable on A4. Every string is escaped here.

use super::BundleFacts;
use super::TOOL_VERSION;
use super::document::{Block, Cell, Document, FILES_HEAD, file_row};
use super::escape::{html, html_hex};
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
pre { font: 8.5pt/1.4 'DejaVu Sans Mono', Consolas, monospace; background: #f5f5f5; padding: 6pt; white-space: pre-wrap; overflow-wrap: anywhere; break-inside: avoid; }
footer { margin-top: 16pt; font-size: 8.5pt; color: #555; }
";

fn cell(c: &Cell) -> String {
    match c {
        Cell::Text(t) => html(t),
        Cell::Hashes(h) => h
            .iter()
            .map(|(algo, hex)| {
                format!(
                    "<div class=\"hex\"><span class=\"algo\">{}</span> {}</div>",
                    html(algo),
                    html_hex(hex)
                )
            })
            .collect::<Vec<_>>()
            .join(""),
    }
}

fn fields(out: &mut dyn Write, f: &[(&str, Cell)]) -> io::Result<()> {
    writeln!(out, "<dl class=\"fields\">")?;
    for (label, value) in f {
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", html(label), cell(value))?;
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

fn table_row(out: &mut dyn Write, row: &[Cell]) -> io::Result<()> {
    write!(out, "<tr>")?;
    for c in row {
        write!(out, "<td>{}</td>", cell(c))?;
    }
    writeln!(out, "</tr>")
}

/// Write `doc` as HTML, with the files of `facts` in its files table.
pub fn render(doc: &Document, facts: &BundleFacts, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(out, "<title>{}</title>", html(&doc.title))?;
    writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>")?;
    writeln!(out, "<h1>{}</h1>", html(&doc.title))?;
    let class = if doc.verified { "ok" } else { "bad" };
    writeln!(
        out,
        "<div class=\"verdict {class}\">{}</div>",
        html(&doc.verdict)
    )?;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => writeln!(out, "<h2>{}</h2>", html(h))?,
            Block::Para(p) => writeln!(out, "<p>{}</p>", html(p))?,
            Block::Fields(f) => fields(out, f)?,
            Block::Table(head, rows) => {
                table_head(out, head)?;
                for row in rows {
                    table_row(out, row)?;
                }
                writeln!(out, "</tbody>\n</table>")?;
            }
            Block::Files => {
                table_head(out, &FILES_HEAD)?;
                facts.for_each_file_sorted(&mut |x| table_row(out, &file_row(x)))?;
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
                    writeln!(out, "<li class=\"{class}\"><h3>{}</h3>", html(&s.title))?;
                    fields(out, &s.fields)?;
                    writeln!(out, "</li>")?;
                }
                writeln!(out, "</ol>")?;
            }
            Block::Commands(lines) => {
                writeln!(out, "<pre>")?;
                for l in lines {
                    writeln!(out, "{}", html(l))?;
                }
                writeln!(out, "</pre>")?;
            }
        }
    }
    writeln!(
        out,
        "<footer>Written by evidentia {TOOL_VERSION}. Every value above comes from the bundle and its \
         verification; times are the signers' clocks, as claimed.</footer>\n</body>\n</html>"
    )
}
