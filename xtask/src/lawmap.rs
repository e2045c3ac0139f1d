//! `cargo xtask lawmap [--check]`: writes docs/law-map.md — for every provision
//! of the digest, the rules that implement it (file:line) and the law cases that
//! test it — and with `--check` fails when the committed file is stale.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context;

use crate::fixtures::root;

/// A provision's one-line summary from the digest: `- ID  text...`.
fn digest_entries(digest: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in digest.lines() {
        if let Some(rest) = line.strip_prefix("- ") {
            let mut parts = rest.splitn(2, char::is_whitespace);
            let id = parts.next().unwrap_or("");
            let looks_like_id = id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/');
            if looks_like_id {
                out.push((id.to_owned(), parts.next().unwrap_or("").trim().to_owned()));
                continue;
            }
        }
        // Continuation lines of the previous entry.
        if let Some(last) = out.last_mut() {
            if line.starts_with("  ") && !line.trim().is_empty() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        }
    }
    out
}

/// `Legal basis:` markers in vrs-consent: provision → rule locations.
fn rules() -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let dir = root().join("crates/consent/src");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path)?;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix("/// Legal basis:") else {
                continue;
            };
            // The rule is the next `fn` after the marker.
            let func = lines[i..]
                .iter()
                .find_map(|l| l.split("fn ").nth(1).and_then(|f| f.split('(').next()))
                .unwrap_or("?");
            let name = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let place = format!("`crates/consent/src/{name}:{}` `{func}`", i + 1);
            for id in rest.split('(').next().unwrap_or("").split(',') {
                let id = id.trim();
                if !id.is_empty() {
                    out.entry(id.to_owned()).or_default().push(place.clone());
                }
            }
        }
    }
    Ok(out)
}

/// Law cases: provision → "file: case name (expected)".
fn cases() -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let dir = root().join("fixtures/law-cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path)?;
        let doc: toml::Value = toml::from_str(&text).with_context(|| path.display().to_string())?;
        let provision = doc
            .get("provision")
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_owned();
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for case in doc
            .get("case")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            let name = case.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            let expect = match case.get("expect") {
                Some(toml::Value::String(s)) => s.clone(),
                Some(toml::Value::Table(t)) => {
                    let outcome = if t.contains_key("allowed") {
                        "allowed"
                    } else {
                        "refused"
                    };
                    let ids: Vec<&str> = t
                        .get(outcome)
                        .and_then(|r| r.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str())
                        .collect();
                    format!("{outcome}: {}", ids.join(", "))
                }
                _ => "?".into(),
            };
            out.entry(provision.clone())
                .or_default()
                .push(format!("`{file}`: {name} → {expect}"));
        }
        for case in doc
            .get("suppression")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            let name = case.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            let n = case
                .get("suppressed")
                .and_then(|r| r.as_array())
                .map_or(0, Vec::len);
            out.entry(provision.clone())
                .or_default()
                .push(format!("`{file}`: {name} → {n} cells suppressed"));
        }
    }
    Ok(out)
}

fn render() -> anyhow::Result<String> {
    let digest = std::fs::read_to_string(root().join("fixtures/law/DIGEST.md"))?;
    let rules = rules()?;
    let cases = cases()?;
    let mut s = String::new();
    writeln!(s, "# Law map")?;
    writeln!(s)?;
    writeln!(
        s,
        "Generated by `cargo xtask lawmap` from `fixtures/law/DIGEST.md`, the `Legal basis:` markers in\n\
         `crates/consent/src` and the law cases in `fixtures/law-cases`; CI runs `cargo xtask lawmap --check`.\n\
         Do not edit by hand. Provisions without a rule are obligations of people, contracts or\n\
         operations that no code decision implements (yet); the table says so rather than hide them."
    )?;
    writeln!(s)?;
    let implemented = digest_entries(&digest)
        .iter()
        .filter(|(id, _)| rules.contains_key(id))
        .count();
    writeln!(
        s,
        "{implemented} of {} provisions have rules.",
        digest_entries(&digest).len()
    )?;
    for (id, text) in digest_entries(&digest) {
        writeln!(s)?;
        writeln!(s, "## {id}")?;
        writeln!(s)?;
        writeln!(s, "> {text}")?;
        writeln!(s)?;
        match rules.get(&id) {
            Some(places) => {
                for p in places {
                    writeln!(s, "- rule: {p}")?;
                }
            }
            None => writeln!(s, "- rule: none")?,
        }
        for c in cases.get(&id).into_iter().flatten() {
            writeln!(s, "- case: {c}")?;
        }
    }
    Ok(s)
}

pub(crate) fn run(check: bool) -> anyhow::Result<()> {
    let path = root().join("docs/law-map.md");
    let fresh = render()?;
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::ensure!(
            committed == fresh,
            "docs/law-map.md is stale: run `cargo xtask lawmap` and commit"
        );
        eprintln!("docs/law-map.md is up to date");
    } else {
        std::fs::write(&path, fresh)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo xtask lawmap --check` as a test, so `cargo test` fails on a stale map.
    #[test]
    fn the_committed_law_map_is_what_cargo_xtask_lawmap_writes() {
        let committed = std::fs::read_to_string(root().join("docs/law-map.md")).unwrap_or_default();
        let fresh = render().unwrap_or_else(|e| panic!("rendering the law map: {e:#}"));
        assert!(
            committed == fresh,
            "docs/law-map.md is stale: run `cargo xtask lawmap` and commit"
        );
    }
}
