//! The consent documents (N-1, N-2, T1-2-3, T2-2-2): the base terms (別紙1) in two
//! versions and the addendum (別紙2), each pinned by the SHA-256 of its text.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::provision::{cite, ProvisionId};

/// One of the documents a municipality can consent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DocumentId {
    /// 確認事項 of March 2021 (the base terms before electronic issuance).
    #[serde(rename = "terms-2021-03")]
    Terms202103,
    /// 確認事項 revised 2021-12-03 (別紙1): the base terms with electronic issuance.
    #[serde(rename = "terms-2021-12-03")]
    Terms20211203,
    /// 確認事項 追加分 2021-12-03 (別紙2): provision without personal consent.
    #[serde(rename = "addendum-2021-12-03")]
    Addendum20211203,
}

/// What kind of document it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A version of the base terms (別紙1): consenting to any version lets a municipality use VRS (T1-2-3).
    BaseTerms,
    /// The addendum (別紙2).
    Addendum,
}

/// A consent document: its identity, its pinned text and what consenting implies.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentDocument {
    /// Its ID, e.g. `terms-2021-12-03`.
    pub id: DocumentId,
    /// Its Japanese title.
    pub title: &'static str,
    /// Base terms or addendum.
    pub kind: DocumentKind,
    /// The date of the version.
    pub version: NaiveDate,
    /// SHA-256 (hex) of the vendored text, `fixtures/law/consent-documents/<id>.txt`.
    pub sha256: &'static str,
    /// What consenting to it implies, as provisions.
    pub implies: Vec<Implication>,
}

/// One consequence of consenting to a document, with the provision that says so.
#[derive(Debug, Clone, Serialize)]
pub struct Implication {
    /// The provision consented to, e.g. `T1-3-1-5`.
    pub provision: ProvisionId,
    /// The provision that makes consent imply it, e.g. `T1-3-2`.
    pub because: ProvisionId,
    /// In plain words.
    pub meaning: &'static str,
}

fn implies(provision: &'static str, because: &'static str, meaning: &'static str) -> Implication {
    Implication {
        provision: cite(provision),
        because: cite(because),
        meaning,
    }
}

/// Legal basis: T1-3-2, T2-1-2 (別紙1 第3条第2項; 別紙2 第1条第2項)
///
/// > Consent to the terms implies consent to T1-3-1-5 and T1-3-1-6 (T1-3-2); consent
/// > to the terms implies consent to T1-4-4 (T1-4-5); consent to this addendum
/// > implies consent to T2-1-1 (T2-1-2).
///
/// Interpretation: consenting to a document is consenting to everything it says it
/// implies; the rules then read only "consents to the base terms" or "consents to
/// the addendum". The 2021-12-03 terms add electronic issuance (T1-1, T1-4-1, N-1).
fn base_terms_implications(e_issuance: bool) -> Vec<Implication> {
    let mut out = vec![
        implies("T1-2-3", "T1-2-3", "the municipality may use VRS"),
        implies(
            "T1-3-1-5",
            "T1-3-2",
            "provides its records to an inquiring municipality that confirmed the person's consent",
        ),
        implies(
            "T1-3-1-6",
            "T1-3-2",
            "lets vaccination-site municipalities register doses on its behalf",
        ),
        implies(
            "T1-4-4",
            "T1-4-5",
            "its data is turned into statistics for the State and prefectures",
        ),
    ];
    if e_issuance {
        out.push(implies(
            "T1-4-1",
            "T1-1",
            "certificates may be issued electronically through the app (N-1)",
        ));
    }
    out
}

impl DocumentId {
    /// Every document, oldest first.
    pub const ALL: [DocumentId; 3] = [
        Self::Terms202103,
        Self::Terms20211203,
        Self::Addendum20211203,
    ];

    /// The ID as written on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terms202103 => "terms-2021-03",
            Self::Terms20211203 => "terms-2021-12-03",
            Self::Addendum20211203 => "addendum-2021-12-03",
        }
    }

    /// The document itself.
    pub fn document(self) -> ConsentDocument {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        match self {
            Self::Terms202103 => ConsentDocument {
                id: self,
                title: "新型コロナウイルスワクチン接種記録システムの利用にあたっての確認事項（令和3年3月）",
                kind: DocumentKind::BaseTerms,
                version: date(2021, 3, 5),
                sha256: "525a7e83d8068dd5c59717d0ce4a4c7e5167b5a3a3506d207082c417c8b24ae4",
                implies: base_terms_implications(false),
            },
            Self::Terms20211203 => ConsentDocument {
                id: self,
                title: "新型コロナウイルスワクチン接種記録システムの利用にあたっての確認事項（令和3年12月3日改定）",
                kind: DocumentKind::BaseTerms,
                version: date(2021, 12, 3),
                sha256: "b75b5c8d161f415a4f2ac6794f984c2ef13895a2eaa7ffbc906fdc42bf0c3168",
                implies: base_terms_implications(true),
            },
            Self::Addendum20211203 => ConsentDocument {
                id: self,
                title: "新型コロナウイルスワクチン接種記録システムの利用にあたっての確認事項（特定個人情報等の提供の運用変更に伴う追加分）",
                kind: DocumentKind::Addendum,
                version: date(2021, 12, 3),
                sha256: "f5c1bf5af123f3107cc0e06daa9c5e8fc982548da4678a2af3bd8054230c60d8",
                implies: vec![implies(
                    "T2-1-1",
                    "T2-1-2",
                    "provides its records to an inquiring municipality without the person's consent",
                )],
            },
        }
    }

    /// Whether this is a version of the base terms.
    pub fn is_base_terms(self) -> bool {
        self.document().kind == DocumentKind::BaseTerms
    }
}

impl FromStr for DocumentId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                format!("unknown document {s:?}: expected terms-2021-12-03, terms-2021-03 or addendum-2021-12-03")
            })
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
