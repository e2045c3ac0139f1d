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
            .filter(|id| {
                id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
            })
            .collect()
    })
}

/// A provision ID that the digest defines, e.g. `T1-4-6`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProvisionId(&'static str);

impl ProvisionId {
    /// Looks an ID up in the digest; `None` when the digest has no such provision.
    pub fn new(id: &str) -> Option<Self> {
        provision_ids().iter().find(|p| **p == id).map(|p| Self(p))
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
        let clause = |nums: &[&str]| {
            let mut s = String::new();
            for (i, n) in nums.iter().enumerate() {
                let unit = ["条", "項", "号", "号"][i.min(3)];
                s.push_str(&format!("第{n}{unit}"));
            }
            s
        };
        match prefix {
            "N" => format!("本文 {}", nums.join("")),
            "T1" => format!("別紙1 {}", clause(&nums)),
            "T2" => format!("別紙2 {}", clause(&nums)),
            "S" => format!("別紙3–5 仕様書 {}", nums.join(".")),
            "M" => format!("別紙6 覚書 {}", clause(&nums)),
            "L13" => "別紙13".to_owned(),
            p if p.starts_with('V') => format!("別紙{}", &p[1..]),
            p if p.starts_with('P')
                && p.len() > 1
                && p[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                format!("別紙{} {}", &p[1..], nums.join("-"))
            }
            p if p.starts_with('A') || p.starts_with('D') => {
                format!("別紙{} {}", &p[1..], nums.join("-"))
            }
            _ => id.to_owned(),
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
    fn articles_are_derived_from_the_id() {
        for (id, article) in [
            ("T1-4-6", "別紙1 第4条第6項"),
            ("T1-3-1-5", "別紙1 第3条第1項第5号"),
            ("T2-1-1", "別紙2 第1条第1項"),
            ("N-3", "本文 3"),
            ("S-1-3-2", "別紙3–5 仕様書 1.3.2"),
            ("L13", "別紙13"),
        ] {
            assert_eq!(ProvisionId::new(id).unwrap().article(), article, "{id}");
        }
    }
}
