//! The one output layer: every command answers a [`Reply`] (a value with a JSON
//! form and a form for people, plus its exit code) and [`print`] chooses which
//! to write. Commands never print on their own.
//!
//! - `--json`: the value's serde form, pretty-printed on stdout. The field names
//!   are a contract; a refusal also goes to stderr as one line, as it always did.
//! - Otherwise: short sentences and aligned tables ([`Doc`]); refusals on
//!   stderr as `refused: T1-4-6 (別紙1 第4条第6項) …`, one line per ground.
//!   Colour only on a terminal and never when `NO_COLOR` is set.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};

use serde::Serialize;

use crate::Exit;

/// The form for people of a value.
pub(crate) trait Human {
    /// Writes the value into `doc`.
    fn human(&self, doc: &mut Doc);
}

/// A value with both forms: its JSON (serde, the contract) and its form for people.
pub(crate) trait Show {
    /// The `--json` text.
    fn json(&self) -> serde_json::Result<String>;
    /// The form for people.
    fn human(&self, doc: &mut Doc);
}

impl<T: Serialize + Human> Show for T {
    fn json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }
    fn human(&self, doc: &mut Doc) {
        Human::human(self, doc)
    }
}

/// A value whose JSON is given as built (`serde_json::json!`, as the command
/// always printed it) and whose form for people is `T`'s.
pub(crate) struct Shaped<T> {
    json: serde_json::Value,
    human: T,
}

impl<T: Human> Shaped<T> {
    /// The JSON `json` shown to scripts, `human` shown to people.
    pub(crate) fn new(json: serde_json::Value, human: T) -> Self {
        Self { json, human }
    }
}

impl<T: Human> Serialize for Shaped<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<T: Human> Human for Shaped<T> {
    fn human(&self, doc: &mut Doc) {
        self.human.human(doc)
    }
}

/// Where the form for people goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    /// The answer: stdout.
    Out,
    /// A refusal by a rule or a rejection of the facts: stderr, and in JSON
    /// mode one line there besides the JSON on stdout (as always).
    Refusal,
    /// A report of bad input (e.g. every bad row of a file): stderr.
    Problem,
}

/// What a command answers.
pub(crate) struct Reply {
    body: Box<dyn Show>,
    exit: Exit,
    stream: Stream,
}

impl Reply {
    /// An answer, exit 0.
    pub(crate) fn ok(body: impl Show + 'static) -> Self {
        Self::exit(body, Exit::Ok)
    }

    /// An answer with its own exit code (e.g. a verification that failed: 1).
    pub(crate) fn exit(body: impl Show + 'static, exit: Exit) -> Self {
        Self {
            body: Box::new(body),
            exit,
            stream: Stream::Out,
        }
    }

    /// A refusal or rejection, exit 1: for people on stderr.
    pub(crate) fn refused(body: impl Show + 'static) -> Self {
        Self {
            body: Box::new(body),
            exit: Exit::Refused,
            stream: Stream::Refusal,
        }
    }

    /// A report of bad input, exit 2: for people on stderr.
    pub(crate) fn bad_input(body: impl Show + 'static) -> Self {
        Self {
            body: Box::new(body),
            exit: Exit::BadInput,
            stream: Stream::Problem,
        }
    }

    /// The form for people, without colour (tests, the demo's narration).
    pub(crate) fn plain(&self) -> String {
        let mut doc = Doc::new(false);
        self.body.human(&mut doc);
        doc.text
    }
}

/// Whether to colour a stream: only a terminal, and never under `NO_COLOR`
/// (any non-empty value, <https://no-color.org>).
pub(crate) fn colour_wanted(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

fn colour_for(terminal: bool) -> bool {
    colour_wanted(terminal, std::env::var_os("NO_COLOR").as_deref())
}

/// Text for a terminal: every control character other than newline and tab
/// becomes U+FFFD, so that data (a name, a kid from a scanned QR, a reason) can
/// never move the cursor, retitle the window or hide a line; with `colour`, the
/// styles `ESC [ digits m` that [`Doc`] adds are kept.
pub(crate) fn clean(text: &str, colour: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if colour {
            if let Some(after) = rest.strip_prefix("\x1b[") {
                let digits = after
                    .find(|ch: char| !ch.is_ascii_digit())
                    .unwrap_or(after.len());
                if digits > 0 && after[digits..].starts_with('m') {
                    out.push_str(&rest[..3 + digits]);
                    rest = &rest[3 + digits..];
                    continue;
                }
            }
        }
        if c.is_control() && c != '\n' && c != '\t' {
            out.push('\u{FFFD}');
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The form for people of `body`, for a stream that is or is not a terminal.
fn render(body: &dyn Show, terminal: bool) -> String {
    let colour = colour_for(terminal);
    let mut doc = Doc::new(colour);
    body.human(&mut doc);
    clean(&doc.text, colour)
}

/// Writes `reply` as JSON (`json`) or for people, and returns its exit code.
pub(crate) fn print(json: bool, reply: Reply) -> anyhow::Result<Exit> {
    if json {
        let mut text = reply.body.json()?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        write_out(&text)?;
        if reply.stream == Stream::Refusal {
            eprint!(
                "{}",
                render(reply.body.as_ref(), std::io::stderr().is_terminal())
            );
        }
    } else {
        match reply.stream {
            Stream::Out => write_out(&render(
                reply.body.as_ref(),
                std::io::stdout().is_terminal(),
            ))?,
            Stream::Refusal | Stream::Problem => eprint!(
                "{}",
                render(reply.body.as_ref(), std::io::stderr().is_terminal())
            ),
        }
    }
    Ok(reply.exit)
}

/// Writes an error line (`error: …`) on stderr, `error` in red on a terminal.
pub(crate) fn error_line(label: &str, message: &str) {
    let colour = colour_for(std::io::stderr().is_terminal());
    let doc = Doc::new(colour);
    eprintln!(
        "{}",
        clean(&format!("{}: {message}", doc.bad(label)), colour)
    );
}

fn write_out(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        // A reader that stopped reading (e.g. `| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Text for people being built: sentences, `key: value` blocks, tables.
pub(crate) struct Doc {
    text: String,
    colour: bool,
}

impl Doc {
    /// An empty document; `colour` turns ANSI styles on.
    pub(crate) fn new(colour: bool) -> Self {
        Self {
            text: String::new(),
            colour,
        }
    }

    /// One line.
    pub(crate) fn line(&mut self, line: impl std::fmt::Display) {
        let _ = writeln!(self.text, "{line}");
    }

    /// Text as it is (a script, a manual page).
    pub(crate) fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// An empty line (between blocks).
    pub(crate) fn gap(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }

    /// `key: value` lines with the values aligned.
    pub(crate) fn fields<K: AsRef<str>, V: AsRef<str>>(&mut self, pairs: &[(K, V)]) {
        let width = pairs
            .iter()
            .map(|(k, _)| display_width(k.as_ref()))
            .max()
            .unwrap_or(0);
        for (k, v) in pairs {
            let k = k.as_ref();
            let pad = " ".repeat(width - display_width(k));
            let _ = writeln!(self.text, "{}:{pad} {}", self.dim(k), v.as_ref());
        }
    }

    /// An aligned table with a header row; nothing when `rows` is empty.
    pub(crate) fn table(&mut self, header: &[&str], rows: Vec<Vec<String>>) {
        if rows.is_empty() {
            return;
        }
        let mut t = comfy_table::Table::new();
        t.load_style(comfy_table::presets::NOTHING)
            .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
            .set_header(header.iter().map(|h| h.to_uppercase()));
        for row in rows {
            t.add_row(row);
        }
        for (i, line) in t.lines().enumerate() {
            // The preset pads each cell with one space on both sides.
            let line = line.strip_prefix(' ').unwrap_or(&line).trim_end();
            if i == 0 {
                let header = self.bold(line);
                self.line(header);
            } else {
                self.line(line);
            }
        }
    }

    /// Green on a terminal (a good outcome).
    pub(crate) fn good(&self, s: &str) -> String {
        self.style("32", s)
    }

    /// Red on a terminal (a refusal, a failure).
    pub(crate) fn bad(&self, s: &str) -> String {
        self.style("31", s)
    }

    /// Bold on a terminal.
    pub(crate) fn bold(&self, s: &str) -> String {
        self.style("1", s)
    }

    /// Dim on a terminal.
    pub(crate) fn dim(&self, s: &str) -> String {
        self.style("2", s)
    }

    fn style(&self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
}

/// Columns a string takes on a terminal (CJK characters take two).
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `T1-4-6 (別紙1 第4条第6項)`: a provision ID with where it sits in the
/// original, as vrs-consent cites it; an ID the digest does not know as is.
pub(crate) fn cite(id: &str) -> String {
    match vrs::consent::ProvisionId::new(id) {
        Some(p) => format!("{} ({})", p.as_str(), p.article()),
        None => id.to_owned(),
    }
}

/// `T2-1-1 (別紙2 第1条), L13 (別紙13)`.
pub(crate) fn cite_all<S: AsRef<str>>(ids: &[S]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    ids.iter()
        .map(|s| cite(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `2026-11-28 16:08` from an RFC 3339 time in Japan time; as given when it is not one.
pub(crate) fn when(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// `yes` / `no`.
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// An optional text, `-` when absent.
pub(crate) fn or_dash<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `1 resident`, `2 residents`.
pub(crate) fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_and_never_under_no_color() {
        use std::ffi::OsStr;
        for (tty, no_color, want) in [
            (true, None, true),
            (false, None, false),
            (true, Some(""), true),
            (true, Some("1"), false),
            (false, Some("1"), false),
        ] {
            assert_eq!(
                colour_wanted(tty, no_color.map(OsStr::new)),
                want,
                "terminal {tty}, NO_COLOR {no_color:?}"
            );
        }
    }

    #[test]
    fn tables_align_japanese_names_by_display_width() {
        let mut doc = Doc::new(false);
        doc.table(
            &["code", "name"],
            vec![
                vec!["131016".into(), "千代田区".into()],
                vec!["011002".into(), "札幌市".into()],
            ],
        );
        expect_test::expect![[r#"
            CODE    NAME
            131016  千代田区
            011002  札幌市
        "#]]
        .assert_eq(&doc.text);
    }

    #[test]
    fn fields_align_and_styles_appear_only_with_colour() {
        let mut doc = Doc::new(false);
        doc.fields(&[("name", "林　悠真"), ("birth date", "1988-02-13")]);
        assert_eq!(doc.text, "name:       林　悠真\nbirth date: 1988-02-13\n");
        let coloured = Doc::new(true);
        assert_eq!(coloured.bad("refused"), "\x1b[31mrefused\x1b[0m");
        assert_eq!(Doc::new(false).bad("refused"), "refused");
    }

    #[test]
    fn control_characters_in_data_never_reach_the_terminal() {
        for (text, colour, want) in [
            ("plain\tline\n", false, "plain\tline\n"),
            (
                "\x1b]0;owned\x07name",
                false,
                "\u{FFFD}]0;owned\u{FFFD}name",
            ),
            ("\x1b]0;owned\x07name", true, "\u{FFFD}]0;owned\u{FFFD}name"),
            ("\x1b[2Jwiped", true, "\u{FFFD}[2Jwiped"),
            (
                "\x1b[31mrefused:\x1b[0m T1",
                true,
                "\x1b[31mrefused:\x1b[0m T1",
            ),
            ("\x1b[31mred", false, "\u{FFFD}[31mred"),
            ("back\rspace\x08", false, "back\u{FFFD}space\u{FFFD}"),
            ("千代田区\x1b[", true, "千代田区\u{FFFD}["),
            ("\x1b千\x1b[12", true, "\u{FFFD}千\u{FFFD}[12"),
        ] {
            assert_eq!(clean(text, colour), want, "{text:?} colour {colour}");
        }
    }

    #[test]
    fn citations_come_from_vrs_consent() {
        assert_eq!(cite("T1-4-6"), "T1-4-6 (別紙1 第4条第6項)");
        assert_eq!(
            cite_all(&["T2-1-1", "L13"]),
            "T2-1-1 (別紙2 第1条第1項), L13 (別紙13)"
        );
        assert_eq!(cite("not-a-provision"), "not-a-provision");
    }
}
