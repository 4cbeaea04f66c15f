//! Escaping of bundle strings for each output format. A bundle is hostile
//! input: a case reference or file name may hold markup, Markdown syntax
//! or terminal control characters. Every bundle string goes through one
//! of these functions before it reaches a document.

/// Whether `c` must be shown as an escape rather than itself: control
/// characters (C0, DEL, C1) other than tab, and the invisible formatting
/// characters that reorder or hide text. A file name sealed from a
/// suspect's disk as `invoice\u{202e}fdp.exe` would otherwise read
/// "invoiceexe.pdf" in a court report (bidirectional overrides, embeddings
/// and isolates, marks, zero-width characters, line and paragraph
/// separators, the byte-order mark).
pub fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c,
            '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}')
}

/// Replace control characters (C0, DEL, C1) other than tab, and the
/// invisible formatting characters of [`hidden`], with a visible
/// `\u{..}` escape, so they can neither drive a terminal nor hide or
/// reorder text.
pub fn visible_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Escape for HTML text and double- or single-quoted attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible_controls(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape for Markdown inline text (CommonMark with GFM tables): the
/// characters that start inline syntax anywhere (backslash, backtick, `*`, `_`,
/// `[`, `]`, `~`, `|`) get a backslash; those that only start a block (`# + - ! =`, and `.` or `)`
/// after leading digits) get one at the start of the value; `<`, `>` and
/// `&` become entities (no raw HTML); line breaks become spaces so a value
/// cannot start a new block; other control characters become visible.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut leading_digits = true;
    for (i, c) in s.chars().enumerate() {
        let block_start = (i == 0 && matches!(c, '#' | '+' | '-' | '!' | '='))
            || (leading_digits && i > 0 && matches!(c, '.' | ')'));
        if !c.is_ascii_digit() {
            leading_digits = false;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ if block_start => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if hidden(c) => out.push_str(&format!("\\\\u{{{:x}}}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// A hex digest split into groups of 16 with HTML `<wbr>` break points, so
/// a 64-digit SHA-256 wraps legibly and still copies as one string.
pub fn html_hex(hex: &str) -> String {
    let safe = html(hex);
    if !safe.bytes().all(|b| b.is_ascii_hexdigit()) {
        return safe;
    }
    let groups: Vec<&str> = safe
        .as_bytes()
        .chunks(16)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    groups.join("<wbr>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_quotes_and_ampersands() {
        let hostile = "<script>alert('x')</script> & \"q\"\u{1b}[31m";
        let e = html(hostile);
        assert!(!e.contains('<') && !e.contains('>'), "{e}");
        assert!(!e.contains('"') && !e.contains('\''), "{e}");
        assert!(!e.contains('\u{1b}'));
        assert_eq!(
            e,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\\u{1b}[31m"
        );
        assert_eq!(html("&amp;"), "&amp;amp;");
    }

    #[test]
    fn markdown_escapes_syntax_and_controls() {
        let e = markdown("# [x](http://e) *b* <img> `c` | d\n- e\u{7}");
        assert_eq!(
            e,
            "\\# \\[x\\](http://e) \\*b\\* &lt;img&gt; \\`c\\` \\| d - e\\\\u{7}"
        );
        assert!(!e.contains('\n'));
        assert_eq!(markdown("2026. x-y.z"), "2026\\. x-y.z");
        assert_eq!(markdown("- item"), "\\- item");
    }

    #[test]
    fn bidi_overrides_and_invisible_characters_are_shown_as_escapes() {
        let name = "data/invoice\u{202e}fdp.exe\u{200b}\u{2066}x\u{2069}\u{feff}";
        for e in [html(name), markdown(name), visible_controls(name)] {
            assert!(!e.chars().any(hidden), "{e:?}");
            assert!(e.contains("u{202e}fdp.exe"), "{e:?}");
        }
        assert_eq!(html("plain é ü"), "plain é ü");
    }

    #[test]
    fn hex_gets_break_points_and_non_hex_is_only_escaped() {
        let h = "0123456789abcdef".repeat(4);
        let w = html_hex(&h);
        assert_eq!(w.matches("<wbr>").count(), 3);
        assert_eq!(w.replace("<wbr>", ""), h);
        assert_eq!(html_hex("<b>"), "&lt;b&gt;");
    }
}
