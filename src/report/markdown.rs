//! The Markdown renderer: the same document as the HTML report. Every
//! string is escaped for CommonMark; commands go in fenced code blocks.

use super::BundleFacts;
use super::document::{Block, Cell, Document, FILES_HEAD, file_row};
use super::escape::{markdown, visible_controls};
use std::io::{self, Write};

fn cell(c: &Cell) -> String {
    match c {
        Cell::Text(t) => markdown(t),
        Cell::Hashes(h) => h
            .iter()
            .map(|(algo, hex)| format!("{} `{}`", markdown(algo), code(hex)))
            .collect::<Vec<_>>()
            .join("<br>"),
    }
}

/// Text inside an inline code span: no backticks, no line breaks.
fn code(s: &str) -> String {
    visible_controls(s).replace('`', "'")
}

fn table_head(out: &mut dyn Write, head: &[&str]) -> io::Result<()> {
    let h: Vec<String> = head.iter().map(|x| markdown(x)).collect();
    writeln!(out, "| {} |", h.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(head.len()))
}

fn table_row(out: &mut dyn Write, row: &[Cell]) -> io::Result<()> {
    let r: Vec<String> = row.iter().map(cell).collect();
    writeln!(out, "| {} |", r.join(" | "))
}

/// Write `doc` as Markdown, with the files of `facts` in its files table.
pub fn render(doc: &Document, facts: &BundleFacts, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# {}\n", markdown(&doc.title))?;
    writeln!(out, "**{}**\n", markdown(&doc.verdict))?;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => writeln!(out, "## {}\n", markdown(h))?,
            Block::Para(p) => writeln!(out, "{}\n", markdown(p))?,
            Block::Fields(f) => {
                writeln!(out, "| | |\n|---|---|")?;
                for (label, value) in f {
                    writeln!(out, "| **{}** | {} |", markdown(label), cell(value))?;
                }
                writeln!(out)?;
            }
            Block::Table(head, rows) => {
                table_head(out, head)?;
                for row in rows {
                    table_row(out, row)?;
                }
                writeln!(out)?;
            }
            Block::Files => {
                table_head(out, &FILES_HEAD)?;
                facts.for_each_file_sorted(&mut |x| table_row(out, &file_row(x)))?;
                writeln!(out)?;
            }
            Block::Timeline(stops) => {
                for s in stops {
                    writeln!(out, "### {}\n", markdown(&s.title))?;
                    for (label, value) in &s.fields {
                        writeln!(out, "- **{}**: {}", markdown(label), cell(value))?;
                    }
                    writeln!(out)?;
                }
            }
            Block::Commands(lines) => {
                writeln!(out, "```sh")?;
                for l in lines {
                    // A fence inside a command would end the block early.
                    writeln!(out, "{}", visible_controls(l).replace("```", "'''"))?;
                }
                writeln!(out, "```\n")?;
            }
        }
    }
    Ok(())
}
