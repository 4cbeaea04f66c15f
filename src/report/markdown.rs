//! The Markdown renderer: the same document as the HTML report. Every
//! string is escaped for CommonMark; commands go in fenced code blocks.
//! A value with hidden characters is marked, with a legend at the end.

use super::BundleFacts;
use super::document::{Block, Cell, Document, FILES_HEAD, Part, file_row};
use super::escape::{HIDDEN_LEGEND, HIDDEN_MARK, has_hidden, markdown, prose_lines, visible};
use std::io::{self, Write};

/// Whether a value was marked as holding hidden characters, so that the
/// legend explaining the mark is written under the report.
#[derive(Default)]
struct Marks(std::cell::Cell<bool>);

/// One value: escaped, and marked when it holds hidden characters.
fn value(v: &str, escaped: String, marks: &Marks) -> String {
    if !has_hidden(v) {
        return escaped;
    }
    marks.0.set(true);
    format!("{escaped} **{}**", markdown(&format!("[{HIDDEN_MARK}]")))
}

fn cell(c: &Cell, marks: &Marks) -> String {
    match c {
        Cell::Text(t) => value(t, markdown(t), marks),
        Cell::Prose(t) => prose_lines(t)
            .map(|l| value(l, markdown(l), marks))
            .collect::<Vec<_>>()
            .join("<br>"),
        Cell::Parts(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Ours(s) => markdown(s),
                Part::Value(v) => value(v, markdown(v), marks),
            })
            .collect(),
        Cell::Hashes(h) => h
            .iter()
            .map(|(algo, hex)| {
                let shown = format!("`{}`", code(hex));
                format!("{} {}", markdown(algo), value(hex, shown, marks))
            })
            .collect::<Vec<_>>()
            .join("<br>"),
        Cell::Fingerprint(lines) => lines
            .iter()
            .map(|l| format!("`{}`", code(l)))
            .collect::<Vec<_>>()
            .join("<br>"),
    }
}

/// Text inside an inline code span: no backticks, no line breaks.
fn code(s: &str) -> String {
    visible(s).replace('`', "'")
}

fn table_head(out: &mut dyn Write, head: &[&str]) -> io::Result<()> {
    let h: Vec<String> = head.iter().map(|x| markdown(x)).collect();
    writeln!(out, "| {} |", h.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(head.len()))
}

fn table_row(out: &mut dyn Write, row: &[Cell], marks: &Marks) -> io::Result<()> {
    let r: Vec<String> = row.iter().map(|c| cell(c, marks)).collect();
    writeln!(out, "| {} |", r.join(" | "))
}

/// Write `doc` as Markdown, with the files of `facts` in its files table.
pub fn render(doc: &Document, facts: &BundleFacts, out: &mut dyn Write) -> io::Result<()> {
    let marks = Marks::default();
    writeln!(out, "# {}\n", cell(&doc.title, &marks))?;
    writeln!(out, "**{}**\n", markdown(&doc.verdict))?;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => writeln!(out, "## {}\n", markdown(h))?,
            Block::Para(p) => writeln!(out, "{}\n", cell(p, &marks))?,
            Block::Fields(f) => {
                writeln!(out, "| | |\n|---|---|")?;
                for (label, value) in f {
                    writeln!(out, "| **{}** | {} |", markdown(label), cell(value, &marks))?;
                }
                writeln!(out)?;
            }
            Block::Table(head, rows) => {
                table_head(out, head)?;
                for row in rows {
                    table_row(out, row, &marks)?;
                }
                writeln!(out)?;
            }
            Block::Files => {
                table_head(out, &FILES_HEAD)?;
                facts.for_each_file_sorted(&mut |x| table_row(out, &file_row(x), &marks))?;
                writeln!(out)?;
            }
            Block::Timeline(stops) => {
                for s in stops {
                    writeln!(out, "### {}\n", cell(&s.title, &marks))?;
                    for (label, value) in &s.fields {
                        writeln!(out, "- **{}**: {}", markdown(label), cell(value, &marks))?;
                    }
                    writeln!(out)?;
                }
            }
            Block::Commands(lines) => {
                writeln!(out, "```sh")?;
                for l in lines {
                    // A fence inside a command would end the block early.
                    let line = visible(l).replace("```", "'''");
                    if has_hidden(l) {
                        marks.0.set(true);
                        writeln!(out, "{line}   # [{HIDDEN_MARK}]")?;
                    } else {
                        writeln!(out, "{line}")?;
                    }
                }
                writeln!(out, "```\n")?;
            }
        }
    }
    if marks.0.get() {
        writeln!(out, "{}\n", markdown(HIDDEN_LEGEND))?;
    }
    Ok(())
}
