//! Escaping of bundle strings for people. A bundle is hostile input: a
//! case reference or file name may hold markup, Markdown syntax, terminal
//! control characters, or characters that are invisible or reorder the
//! text around them. A payload sealed from a suspect's disk as
//! `invoice\u{202e}fdp.exe` reads "invoiceexe.pdf" wherever it is printed
//! raw.
//!
//! There is one classifier ([`hidden`]) and one escaper ([`visible`]):
//! every hidden character becomes `<U+XXXX>`, and a string that held one
//! is marked ([`HIDDEN_MARK`], [`marked`]) so that a reader knows the
//! escape is real and not part of the name. The HTML and Markdown escapers
//! build on them; the command line shows every string from evidence
//! through [`marked`], whether or not its output is a terminal, and every
//! diagnostic through [`visible_lines`]. Nothing else escapes for people:
//! `cli/output.rs` only calls these.
//!
//! Machine formats (sums and hashdeep lists, JSON, the exact paths in
//! CASE) never go through here: they keep the exact bytes.

use std::borrow::Cow;

/// The mark a person sees beside a value with hidden characters.
pub const HIDDEN_MARK: &str = "⚠ hidden characters";

/// What [`HIDDEN_MARK`] means, for a legend under a report.
pub const HIDDEN_LEGEND: &str = "⚠ hidden characters: the value contains characters that are \
    invisible or change the order in which text is displayed (bidirectional controls such as \
    U+202E RIGHT-TO-LEFT OVERRIDE, zero-width and other format characters, control characters, \
    line separators). Each is shown as <U+XXXX> where it stands, so the value reads in the order \
    of its characters; the exact bytes are in the bundle and in the JSON report.";

/// Whether `c` is shown as an escape rather than itself: it is invisible,
/// or it changes how the text around it is displayed.
///
/// - control characters (C0 including tab, line feed and carriage
///   return, DEL, C1);
/// - every format character (general category Cf): the bidirectional
///   embeddings, overrides, isolates and marks (U+202A–202E, U+2066–2069,
///   U+200E, U+200F, U+061C), zero-width characters, U+FEFF, the soft
///   hyphen, the tag characters (U+E0000 block), prepended concatenation
///   marks;
/// - the other default-ignorable code points: variation selectors,
///   Hangul and Khmer fillers, the combining grapheme joiner, reserved
///   ignorables;
/// - the line and paragraph separators (U+2028, U+2029);
/// - noncharacters (U+FDD0–FDEF, U+xxFFFE and U+xxFFFF).
///
/// Tables from Unicode 15.1 (DerivedCoreProperties.txt:
/// Default_Ignorable_Code_Point; UnicodeData.txt: Cf, Zl, Zp).
pub fn hidden(c: char) -> bool {
    let u = c as u32;
    c.is_control()
        || (u & 0xfffe) == 0xfffe
        || matches!(u,
            0x00ad
            | 0x034f
            | 0x0600..=0x0605
            | 0x061c
            | 0x06dd
            | 0x070f
            | 0x0890..=0x0891
            | 0x08e2
            | 0x115f..=0x1160
            | 0x17b4..=0x17b5
            | 0x180b..=0x180f
            | 0x200b..=0x200f
            | 0x2028..=0x202e
            | 0x2060..=0x206f
            | 0x3164
            | 0xfdd0..=0xfdef
            | 0xfe00..=0xfe0f
            | 0xfeff
            | 0xffa0
            | 0xfff0..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0000..=0xe0fff)
}

/// Whether `s` holds a [`hidden`] character.
pub fn has_hidden(s: &str) -> bool {
    s.chars().any(hidden)
}

/// The escape of one hidden character: `<U+202E>` (upper-case hex, at
/// least four digits, as the Unicode standard writes code points).
pub fn code_point(c: char) -> String {
    format!("<U+{:04X}>", c as u32)
}

/// `s` with every [`hidden`] character replaced by its [`code_point`]
/// escape: nothing in it can drive a terminal, hide text or reorder it.
/// Borrowed when there was nothing to replace.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !has_hidden(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&code_point(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`visible`], followed by ` [⚠ hidden characters]` when `s` held a hidden
/// character: the form of a bundle string in every human output of the
/// command line.
pub fn marked(s: &str) -> Cow<'_, str> {
    match visible(s) {
        Cow::Borrowed(b) => Cow::Borrowed(b),
        Cow::Owned(o) => Cow::Owned(format!("{o} [{HIDDEN_MARK}]")),
    }
}

/// [`visible`] for a message of several lines (a diagnostic on stderr):
/// its line feeds kept, every other hidden character escaped, and no mark
/// (parts of it already [`marked`] keep their mark).
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && hidden(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(visible).collect::<Vec<_>>().join("\n"))
}

/// The lines of free text (a summary of facts, a description): split at
/// line feeds, a carriage return before one dropped. Prose keeps its line
/// breaks; every other hidden character in a line is still escaped.
pub fn prose_lines(s: &str) -> impl Iterator<Item = &str> {
    s.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// [`marked`] for free text: its line breaks kept ([`prose_lines`]), the
/// rest escaped, the whole marked when a line held a hidden character.
pub fn marked_prose(s: &str) -> String {
    let hidden_in = prose_lines(s).any(has_hidden);
    let mut out = prose_lines(s)
        .map(|l| visible(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    if hidden_in {
        out.push_str(&format!(" [{HIDDEN_MARK}]"));
    }
    out
}

/// Escape for HTML text and double- or single-quoted attribute values;
/// hidden characters become [`visible`] escapes (themselves escaped).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible(s).chars() {
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
/// `&` become entities (no raw HTML); hidden characters (line breaks
/// among them, so a value cannot start a new block) become `\<U+XXXX\>`,
/// which reads `<U+XXXX>` rendered and raw.
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
            c if hidden(c) => out.push_str(&format!("\\<U+{:04X}\\>", c as u32)),
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
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;&lt;U+001B&gt;[31m"
        );
        assert_eq!(html("&amp;"), "&amp;amp;");
    }

    #[test]
    fn markdown_escapes_syntax_and_controls() {
        let e = markdown("# [x](http://e) *b* <img> `c` | d\n- e\u{7}");
        assert_eq!(
            e,
            "\\# \\[x\\](http://e) \\*b\\* &lt;img&gt; \\`c\\` \\| d\\<U+000A\\>- e\\<U+0007\\>"
        );
        assert!(!e.contains('\n'));
        assert_eq!(markdown("2026. x-y.z"), "2026\\. x-y.z");
        assert_eq!(markdown("- item"), "\\- item");
    }

    #[test]
    fn bidi_overrides_and_invisible_characters_are_shown_as_escapes() {
        let name = "data/invoice\u{202e}fdp.exe\u{200b}\u{2066}x\u{2069}\u{feff}";
        for e in [
            html(name),
            markdown(name),
            visible(name).into_owned(),
            marked(name).into_owned(),
        ] {
            assert!(!e.chars().any(hidden), "{e:?}");
            assert!(e.contains("U+202E") && e.contains("fdp.exe"), "{e:?}");
        }
        assert_eq!(
            visible(name),
            "data/invoice<U+202E>fdp.exe<U+200B><U+2066>x<U+2069><U+FEFF>"
        );
        assert_eq!(html("plain é ü"), "plain é ü");
    }

    #[test]
    fn the_classifier_covers_every_kind_of_hidden_character() {
        let hidden_ones = [
            '\u{0}',
            '\t',
            '\n',
            '\r',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{9f}', // controls
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}', // embeddings, overrides
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}', // isolates
            '\u{200e}',
            '\u{200f}',
            '\u{061c}', // marks
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}', // invisible
            '\u{2028}',
            '\u{2029}', // separators
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}', // tags
            '\u{fe0f}',
            '\u{e0100}',
            '\u{180b}',
            '\u{034f}', // variation selectors, CGJ
            '\u{115f}',
            '\u{3164}',
            '\u{ffa0}',
            '\u{17b4}', // fillers
            '\u{fffe}',
            '\u{10ffff}',
            '\u{fdd0}', // noncharacters
        ];
        for c in hidden_ones {
            assert!(hidden(c), "U+{:04X} must be hidden", c as u32);
        }
        for c in [
            'a', 'é', ' ', '\u{a0}', 'ß', 'א', 'ش', '中', '😀', '\u{301}', '\u{fffd}',
        ] {
            assert!(!hidden(c), "U+{:04X} is visible", c as u32);
        }
    }

    #[test]
    fn only_values_with_hidden_characters_are_marked() {
        assert!(matches!(marked("plain é"), Cow::Borrowed("plain é")));
        assert_eq!(marked("a\u{202e}b"), format!("a<U+202E>b [{HIDDEN_MARK}]"));
        // A literal escape is not marked: the mark tells it from a real one.
        assert_eq!(marked("a<U+202E>b"), "a<U+202E>b");
    }

    #[test]
    fn messages_keep_their_lines_and_nothing_else() {
        assert_eq!(visible_lines("a\u{202e}b\nhint"), "a<U+202E>b\nhint");
        assert_eq!(visible_lines("one\r\ntwo\n"), "one<U+000D>\ntwo\n");
        assert!(matches!(visible_lines("plain\nlines"), Cow::Borrowed(_)));
    }

    #[test]
    fn prose_keeps_its_line_breaks_and_nothing_else() {
        assert_eq!(marked_prose("one\r\ntwo\nthree"), "one\ntwo\nthree");
        assert_eq!(
            marked_prose("one\ntw\u{202e}o"),
            format!("one\ntw<U+202E>o [{HIDDEN_MARK}]")
        );
        assert_eq!(prose_lines("a\rb").collect::<Vec<_>>(), ["a\rb"]);
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
