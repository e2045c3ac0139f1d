//! Provision IDs of the digest (fixtures/law/DIGEST.md) and the citations built from them.

use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

/// The English digest of the December 2021 notice, with a stable ID per provision.
pub const DIGEST: &str = include_str!("../../../fixtures/law/DIGEST.md");

/// Every provision ID the digest defines, in document order.
pub fn provision_ids() -> &'static [&'static str] {
    static IDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    IDS.get_or_init(|| {
        DIGEST
            .lines()
            .filter_map(|l| l.strip_prefix("- "))
            .filter_map(|rest| rest.split_whitespace().next())
            .filter(|word| looks_like_id(word))
            .collect()
    })
}

/// Whether the first word of a digest bullet is a provision ID: an uppercase letter,
/// then letters, digits, `-` and `/` (`T1-4-6`, `A10-4-3/4`, `L13`).
fn looks_like_id(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
}

/// A provision ID that the digest defines, e.g. `T1-4-6`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProvisionId(&'static str);

impl ProvisionId {
    /// Looks an ID up in the digest; `None` when the digest has no such provision.
    pub fn new(id: &str) -> Option<Self> {
        provision_ids().iter().find(|p| **p == id).map(|p| Self(p))
    }

    /// An ID this crate cites as a constant ([`crate::grounds`]); a unit test
    /// checks every such constant against the digest.
    pub(crate) const fn known(id: &'static str) -> Self {
        Self(id)
    }

    /// The ID as written in the digest.
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// Where the provision sits in the Japanese original, e.g. `別紙1 第4条第6項`.
    pub fn article(&self) -> String {
        let id = self.0;
        let (prefix, rest) = id.split_once('-').unwrap_or((id, ""));
        let nums: Vec<&str> = rest.split('-').filter(|s| !s.is_empty()).collect();
        // 条, 項, 号: the digest's deepest ID (T1-3-1-5) has three levels.
        let clause = || -> String {
            nums.iter()
                .zip(["条", "項", "号"])
                .map(|(n, unit)| format!("第{n}{unit}"))
                .collect()
        };
        match prefix {
            "N" => format!("本文 {}", nums.join("")),
            "T1" => format!("別紙1 {}", clause()),
            "T2" => format!("別紙2 {}", clause()),
            "S" => format!("別紙3–5 仕様書 {}", nums.join(".")),
            "M" => format!("別紙6 覚書 {}", clause()),
            // The annexes cited by number: V8, P9-1, A10-4-1, P11-7, D12-2, L13.
            _ => match prefix.split_at_checked(1) {
                Some(("V" | "P" | "A" | "D" | "L", annex)) if nums.is_empty() => {
                    format!("別紙{annex}")
                }
                Some(("V" | "P" | "A" | "D" | "L", annex)) => {
                    format!("別紙{annex} {}", nums.join("-"))
                }
                _ => id.to_owned(),
            },
        }
    }
}

/// Shorthand for a provision the crate itself cites; a typo is a test failure
/// (every cited ID is checked against the digest by the law-case runner).
pub(crate) fn cite(id: &'static str) -> ProvisionId {
    ProvisionId::new(id).unwrap_or(ProvisionId(id))
}

impl fmt::Display for ProvisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for ProvisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProvisionId({})", self.0)
    }
}

impl Serialize for ProvisionId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_defines_the_provisions_the_rules_cite() {
        let ids = provision_ids();
        for id in [
            "N-3", "T1-2-3", "T1-3-1-5", "T1-4-3", "T1-4-6", "S-1-3-2", "L13", "D12-1", "P11-2-3",
        ] {
            assert!(ids.contains(&id), "{id} missing from the digest");
        }
        assert_eq!(ids.len(), 80);
        assert!(ProvisionId::new("T9-9").is_none());
    }

    #[test]
    fn only_bullets_that_start_with_an_id_are_provisions() {
        for (word, want) in [
            ("T1-4-6", true),
            ("A10-4-3/4", true),
            ("S-3-4/5/6", true),
            ("L13", true),
            ("V8", true),
            ("note", false),
            ("t1-4-6", false),
            ("1-2", false),
            ("T1-4-6:", false),
            ("T1(4)", false),
            ("", false),
        ] {
            assert_eq!(looks_like_id(word), want, "{word:?}");
        }
    }

    #[test]
    fn articles_are_derived_from_the_id() {
        for (id, article) in [
            ("T1-4-6", "別紙1 第4条第6項"),
            ("T1-3-1-5", "別紙1 第3条第1項第5号"),
            ("T1-10", "別紙1 第10条"),
            ("T2-1-1", "別紙2 第1条第1項"),
            ("N-3", "本文 3"),
            ("S-1-3-2", "別紙3–5 仕様書 1.3.2"),
            ("S-3-4/5/6", "別紙3–5 仕様書 3.4/5/6"),
            ("M-9", "別紙6 覚書 第9条"),
            ("M-14/15", "別紙6 覚書 第14/15条"),
            ("L13", "別紙13"),
            ("V8", "別紙8"),
            ("P9-1", "別紙9 1"),
            ("A10-4-3/4", "別紙10 4-3/4"),
            ("P11-2-3", "別紙11 2-3"),
            ("D12-2", "別紙12 2"),
        ] {
            assert_eq!(ProvisionId::new(id).unwrap().article(), article, "{id}");
        }
    }

    #[test]
    fn every_provision_of_the_digest_has_an_article_of_the_japanese_original() {
        for id in provision_ids() {
            let article = ProvisionId::new(id).unwrap().article();
            assert!(
                article.starts_with("本文 ") || article.starts_with("別紙"),
                "{id}: {article}"
            );
        }
    }
}
