//! What the rules know about the world besides the request: who consented to
//! what and since when, and which functions are under an emergency stop.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use vrs_domain::{MunicipalityCode, Role};

use crate::documents::DocumentId;

/// The functions the operator can stop (T1-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Function {
    /// Every function but audit verification and reading the audit log.
    All,
    /// Dose registration (venues, bulk uploads, corrections).
    Registration,
    /// Cross-municipality inquiry.
    Inquiry,
    /// Electronic issuance of certificates.
    EIssuance,
    /// Resident imports.
    Import,
    /// Ledger exports.
    Export,
    /// Statistics.
    Statistics,
}

impl Function {
    /// Every function, `all` first.
    pub const ALL: [Function; 7] = [
        Self::All,
        Self::Registration,
        Self::Inquiry,
        Self::EIssuance,
        Self::Import,
        Self::Export,
        Self::Statistics,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Registration => "registration",
            Self::Inquiry => "inquiry",
            Self::EIssuance => "e-issuance",
            Self::Import => "import",
            Self::Export => "export",
            Self::Statistics => "statistics",
        }
    }
}

impl FromStr for Function {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| {
            format!("unknown function {s:?}: expected all, registration, inquiry, e-issuance, import, export or statistics")
        })
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts a decision rests on, gathered by the caller before deciding.
/// Only the municipalities the request involves need to be present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// For each municipality: each document it consents to, and from which day.
    #[serde(default)]
    pub consents: BTreeMap<MunicipalityCode, BTreeMap<DocumentId, NaiveDate>>,
    /// Functions under an emergency stop (T1-10).
    #[serde(default)]
    pub stopped: BTreeSet<Function>,
    /// Inquiry: the person asked about, as the asking municipality's resident records
    /// show them; `None` when the asking municipality holds no such resident.
    #[serde(default)]
    pub subject_residence: Option<Residence>,
    /// Whether the instance has an ICAO VDS-NC barcode signer configured (S-2-14).
    #[serde(default)]
    pub barcode_signer: bool,
    /// The signed-in user acting, when the caller is a user account (T1-9-1,
    /// M-4-2); `None` for the local administrator (the CLI), a device or the app.
    #[serde(default)]
    pub user: Option<UserFacts>,
}

/// What the rules know about a signed-in user: the role its municipality gave it
/// and whether it is a designated My Number handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFacts {
    /// The user's role (T1-9-1).
    pub role: Role,
    /// Whether the user is designated to handle My Numbers (M-4-2).
    #[serde(default)]
    pub my_number_handler: bool,
}

/// Where a person lives according to a municipality's resident records (D12-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residence {
    /// The municipality whose resident the person is.
    pub municipality: MunicipalityCode,
    /// Where the person lived before moving in, when recorded (転入前自治体コード).
    #[serde(default)]
    pub previous_municipality: Option<MunicipalityCode>,
    /// The day the person moved in, when recorded (転入日).
    #[serde(default)]
    pub moved_in_on: Option<NaiveDate>,
}

impl Facts {
    /// Whether `m` consents to `doc` on `day`.
    pub fn consents_to(&self, m: MunicipalityCode, doc: DocumentId, day: NaiveDate) -> bool {
        self.consents
            .get(&m)
            .and_then(|docs| docs.get(&doc))
            .is_some_and(|from| *from <= day)
    }

    /// Whether `m` consents to any version of the base terms on `day`.
    pub fn consents_to_base_terms(&self, m: MunicipalityCode, day: NaiveDate) -> bool {
        DocumentId::ALL
            .into_iter()
            .filter(|d| d.is_base_terms())
            .any(|d| self.consents_to(m, d, day))
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_parses_from_its_own_name_only() {
        for f in Function::ALL {
            assert_eq!(f.as_str().parse::<Function>(), Ok(f), "{f}");
        }
        for bad in ["", "All", "e_issuance", "statistic", "registration "] {
            let err = bad.parse::<Function>().unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{bad:?}: {err}");
        }
    }
}
