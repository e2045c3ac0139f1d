//! `cargo xtask tidy` and the tidy tests run by `cargo test`: every `.rs` file
//! opens with a `//!` line and has at most 800 lines, and no provision ID sits in
//! a string literal of non-test code in vrs-store, the facade (crates/vrs) or the
//! server (crates/server): vrs-consent owns every citation. Comments, docs, test
//! code and names may cite provisions.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::fixtures::root;

/// The longest a source file may be.
pub(crate) const MAX_LINES: usize = 800;

/// The crates whose non-test code must not hold a provision ID in a literal
/// (a crate not yet created is skipped).
pub(crate) const NO_PROVISION_LITERALS: [&str; 3] = ["crates/store", "crates/vrs", "crates/server"];

/// One finding: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// Whether `token` has the shape of a provision ID of the digest: `T1-4-6`,
/// `D12-1`, `P9-3`, `A10-10` (letter, number, dashes and numbers), `N-3`,
/// `S-2-14`, `M-4-2` (letter, dashes and numbers) or `L13`, `V1`.
pub(crate) fn is_provision_id(token: &str) -> bool {
    let mut chars = token.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest = chars.as_str();
    let numbers = |s: &str| {
        !s.is_empty()
            && s.split('-')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    match first {
        'T' | 'A' | 'D' | 'P' => rest.contains('-') && numbers(rest),
        'N' | 'M' | 'S' => rest.strip_prefix('-').is_some_and(numbers),
        'L' | 'V' => !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// The provision IDs inside a piece of text (whole tokens only: `XT1-4-6` or
/// `T1-4-6x` are not IDs).
pub(crate) fn provision_ids_in(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(|t| t.trim_matches('-'))
        .filter(|t| is_provision_id(t))
        .collect()
}

/// A string literal of non-test code: its first line and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    pub(crate) line: usize,
    pub(crate) text: String,
}

/// What one file's lexing found: the string literals outside comments and
/// `#[cfg(test)]` items, and the modules declared `#[cfg(test)] mod name;`.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    pub(crate) literals: Vec<Literal>,
    pub(crate) test_modules: Vec<String>,
}

/// Lexes Rust source just enough to tell string literals from comments, char
/// literals and lifetimes, skipping every item under `#[cfg(test)]`.
pub(crate) fn lex(src: &str) -> Lexed {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Lexed::default();
    let mut lexer = Lexer {
        chars: &chars,
        i: 0,
        line: 1,
    };
    let mut skip_depth: Option<usize> = None;
    let mut depth = 0usize;
    let mut pending_test = false;
    let mut words: Vec<String> = Vec::new();
    while let Some(token) = lexer.next() {
        match token {
            Token::Str(line, text) => {
                if skip_depth.is_none() && !pending_test {
                    out.literals.push(Literal { line, text });
                }
            }
            Token::CfgTest => pending_test = true,
            Token::Word(w) => {
                if pending_test && skip_depth.is_none() {
                    words.push(w);
                }
            }
            Token::Punct('{') => {
                if pending_test && skip_depth.is_none() {
                    skip_depth = Some(depth);
                    pending_test = false;
                    words.clear();
                }
                depth += 1;
            }
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if skip_depth == Some(depth) {
                    skip_depth = None;
                }
            }
            Token::Punct(';') => {
                if pending_test && skip_depth.is_none() {
                    if let [.., m, name] = words.as_slice() {
                        if m == "mod" {
                            out.test_modules.push(name.clone());
                        }
                    }
                    pending_test = false;
                    words.clear();
                }
            }
            Token::Punct(_) => {}
        }
    }
    out
}

enum Token {
    Str(usize, String),
    CfgTest,
    Word(String),
    Punct(char),
}

struct Lexer<'a> {
    chars: &'a [char],
    i: usize,
    line: usize,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| self.peek(k) == Some(c))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn next(&mut self) -> Option<Token> {
        loop {
            let c = self.peek(0)?;
            if c.is_whitespace() {
                self.bump();
            } else if self.starts_with("//") {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if self.starts_with("/*") {
                self.block_comment();
            } else if self.starts_with("#[cfg(test)]") {
                for _ in 0.."#[cfg(test)]".len() {
                    self.bump();
                }
                return Some(Token::CfgTest);
            } else if c == '"' {
                return Some(self.string());
            } else if let Some(hashes) = self.raw_prefix() {
                return Some(self.raw_string(hashes));
            } else if c == 'b' && self.peek(1) == Some('"') {
                self.bump();
                return Some(self.string());
            } else if c == '\'' {
                self.quote();
            } else if c.is_alphanumeric() || c == '_' {
                let mut w = String::new();
                while let Some(c) = self.peek(0).filter(|c| c.is_alphanumeric() || *c == '_') {
                    w.push(c);
                    self.bump();
                }
                return Some(Token::Word(w));
            } else {
                self.bump();
                return Some(Token::Punct(c));
            }
        }
    }

    fn block_comment(&mut self) {
        let mut nesting = 0usize;
        while self.peek(0).is_some() {
            if self.starts_with("/*") {
                nesting += 1;
                self.bump();
                self.bump();
            } else if self.starts_with("*/") {
                nesting -= 1;
                self.bump();
                self.bump();
                if nesting == 0 {
                    return;
                }
            } else {
                self.bump();
            }
        }
    }

    fn string(&mut self) -> Token {
        let line = self.line;
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    if let Some(e) = self.bump() {
                        text.push('\\');
                        text.push(e);
                    }
                }
                '"' => break,
                c => text.push(c),
            }
        }
        Token::Str(line, text)
    }

    /// At `r"`, `r#"`, `br"`, `br#"`...: the number of `#`.
    fn raw_prefix(&self) -> Option<usize> {
        let start = match (self.peek(0), self.peek(1)) {
            (Some('r'), _) => 1,
            (Some('b'), Some('r')) => 2,
            _ => return None,
        };
        if self.i > 0 {
            let before = self.chars[self.i - 1];
            if before.is_alphanumeric() || before == '_' {
                return None;
            }
        }
        let mut k = start;
        while self.peek(k) == Some('#') {
            k += 1;
        }
        (self.peek(k) == Some('"')).then_some(k - start)
    }

    fn raw_string(&mut self, hashes: usize) -> Token {
        while self.peek(0) != Some('"') {
            self.bump();
        }
        self.bump();
        let line = self.line;
        let close: String = std::iter::once('"')
            .chain(std::iter::repeat_n('#', hashes))
            .collect();
        let mut text = String::new();
        while self.peek(0).is_some() {
            if self.starts_with(&close) {
                for _ in 0..close.chars().count() {
                    self.bump();
                }
                break;
            }
            text.extend(self.bump());
        }
        Token::Str(line, text)
    }

    /// A char literal (`'x'`, `'\n'`, `'"'`) or a lifetime (`'a`).
    fn quote(&mut self) {
        self.bump();
        if self.peek(0) == Some('\\') {
            self.bump();
            self.bump();
            while let Some(c) = self.bump() {
                if c == '\'' {
                    return;
                }
            }
        } else if self.peek(1) == Some('\'') {
            self.bump();
            self.bump();
        }
    }
}

/// Every `.rs` file under `dir` (recursively, skipping `target`).
pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The header and length checks of one file.
pub(crate) fn check_shape(file: &str, src: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    if !src.starts_with("//!") {
        out.push(Problem {
            file: file.to_owned(),
            line: 1,
            reason: "the file does not open with a `//!` line saying what it is for".into(),
        });
    }
    let lines = src.lines().count();
    if lines > MAX_LINES {
        out.push(Problem {
            file: file.to_owned(),
            line: lines,
            reason: format!("{lines} lines, over {MAX_LINES}: split it by concern"),
        });
    }
    out
}

/// The provision IDs in string literals of one file's non-test code. A line of a
/// literal that is an SQL comment (`-- ...`, as in the migrations) is a comment.
pub(crate) fn check_literals(file: &str, lexed: &Lexed) -> Vec<Problem> {
    let mut out = Vec::new();
    for l in &lexed.literals {
        for (k, text) in l.text.split('\n').enumerate() {
            if text.trim_start().starts_with("--") {
                continue;
            }
            for id in provision_ids_in(text) {
                out.push(Problem {
                    file: file.to_owned(),
                    line: l.line + k,
                    reason: format!(
                        "provision ID {id} in a string literal of non-test code: cite it through vrs-consent"
                    ),
                });
            }
        }
    }
    out
}

/// Runs every check over the workspace at `root`.
pub(crate) fn check_workspace(root: &Path) -> Vec<Problem> {
    let rel = |p: &Path| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let mut problems = Vec::new();
    for top in ["crates", "xtask", "fuzz"] {
        for path in rust_files(&root.join(top)) {
            match std::fs::read_to_string(&path) {
                Ok(src) => problems.extend(check_shape(&rel(&path), &src)),
                Err(e) => problems.push(Problem {
                    file: rel(&path),
                    line: 0,
                    reason: format!("unreadable: {e}"),
                }),
            }
        }
    }
    for krate in NO_PROVISION_LITERALS {
        let src_dir = root.join(krate).join("src");
        let files = rust_files(&src_dir);
        // Files declared `#[cfg(test)] mod name;` are test code.
        let mut test_files: HashSet<PathBuf> = HashSet::new();
        let mut lexed = Vec::new();
        for path in &files {
            let src = std::fs::read_to_string(path).unwrap_or_default();
            let l = lex(&src);
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            let parent = path.parent().unwrap_or(&src_dir);
            let module_dir = match stem.as_deref() {
                Some("mod" | "lib" | "main") => parent.to_path_buf(),
                Some(s) => parent.join(s),
                None => parent.to_path_buf(),
            };
            for m in &l.test_modules {
                test_files.insert(module_dir.join(format!("{m}.rs")));
                test_files.insert(module_dir.join(m).join("mod.rs"));
            }
            lexed.push((path.clone(), l));
        }
        for (path, l) in &lexed {
            if !test_files.contains(path) {
                problems.extend(check_literals(&rel(path), l));
            }
        }
    }
    problems
}

/// `cargo xtask tidy`: prints every problem and fails when there is one.
pub(crate) fn run() -> anyhow::Result<()> {
    let problems = check_workspace(&root());
    for p in &problems {
        eprintln!("{p}");
    }
    anyhow::ensure!(problems.is_empty(), "{} tidy problem(s)", problems.len());
    println!("tidy: ok");
    Ok(())
}

#[cfg(test)]
mod tests;
