//! Requests, decisions, grounds and the `Allowed` proof that only this crate can build.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use vrs_domain::{MunicipalityCode, Principal};

use crate::provision::ProvisionId;

/// What a principal asks to do. Each action names the data it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Import (insert or update) residents from a resident file (D12-1).
    ImportResidents,
    /// Read one resident's record (person-level data).
    ReadResident,
    /// Count a partition's residents.
    CountResidents,
}

impl Action {
    /// The action's name as written in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ImportResidents => "import_residents",
            Self::ReadResident => "read_resident",
            Self::CountResidents => "count_residents",
        }
    }

    /// Whether the action reads or writes data about identifiable persons.
    /// Counting a partition is an aggregate but still the partition's own
    /// business: it is scoped like person-level access.
    pub fn touches_person_data(self) -> bool {
        match self {
            Self::ImportResidents | Self::ReadResident | Self::CountResidents => true,
        }
    }
}

/// One request to decide: who, what, and in whose logically separated area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Request {
    /// The acting party.
    pub principal: Principal,
    /// What it wants to do.
    pub action: Action,
    /// The municipality whose area (partition) the action touches.
    pub partition: Option<MunicipalityCode>,
}

/// A reason for a decision, with the provision it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ground {
    /// The provision ID of the digest, e.g. `T1-4-6`.
    pub provision: ProvisionId,
    /// Where it sits in the Japanese original, e.g. `別紙1 第4条第6項`.
    pub article: String,
    /// What the rule found, in plain words.
    pub reason: String,
}

/// What one rule found: a ground, met or unmet.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) met: bool,
    pub(crate) ground: Ground,
}

impl Finding {
    fn new(met: bool, provision: ProvisionId, reason: impl Into<String>) -> Self {
        Self {
            met,
            ground: Ground {
                provision,
                article: provision.article(),
                reason: reason.into(),
            },
        }
    }

    /// A rule that applies and is met: it becomes part of the legal basis.
    pub(crate) fn met(provision: ProvisionId, reason: impl Into<String>) -> Self {
        Self::new(true, provision, reason)
    }

    /// A rule that applies and is not met: the request is refused on this ground.
    pub(crate) fn unmet(provision: ProvisionId, reason: impl Into<String>) -> Self {
        Self::new(false, provision, reason)
    }
}

impl Decision {
    /// Builds the decision from every finding: allowed when all are met (the
    /// grounds are then the legal basis), refused otherwise (the grounds are
    /// then every unmet rule).
    pub(crate) fn from_findings(
        request: Request,
        as_of: DateTime<FixedOffset>,
        findings: Vec<Finding>,
    ) -> Self {
        let ok = findings.iter().all(|f| f.met);
        let grounds = findings
            .into_iter()
            .filter(|f| ok || !f.met)
            .map(|f| f.ground)
            .collect();
        Self {
            outcome: if ok {
                Outcome::Allowed
            } else {
                Outcome::Refused
            },
            grounds,
            request,
            as_of,
        }
    }
}

/// Allowed or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every rule that applies is met.
    Allowed,
    /// At least one rule is not met; the grounds list each unmet one.
    Refused,
}

/// The answer of [`crate::decide`]: the outcome and every ground it rests on.
/// When refused, `grounds` holds every unmet rule (not just the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Allowed or refused.
    pub outcome: Outcome,
    /// Each ground cites a provision.
    pub grounds: Vec<Ground>,
    /// What was decided.
    pub request: Request,
    /// The time the decision was made for (Japan time).
    pub as_of: DateTime<FixedOffset>,
}

impl Decision {
    /// Splits the decision into the proof the store needs, or the refusal to report and audit.
    pub fn into_result(self) -> Result<Allowed, Refusal> {
        match self.outcome {
            Outcome::Allowed => Ok(Allowed {
                request: self.request,
                as_of: self.as_of,
                grounds: self.grounds,
            }),
            Outcome::Refused => Err(Refusal {
                request: self.request,
                as_of: self.as_of,
                grounds: self.grounds,
            }),
        }
    }

    /// The cited provision IDs, in order.
    pub fn provisions(&self) -> Vec<&'static str> {
        self.grounds.iter().map(|g| g.provision.as_str()).collect()
    }
}

/// Proof that a request was allowed. Only [`Decision::into_result`] builds one,
/// so holding an `Allowed` means vrs-consent said yes to exactly this request.
/// vrs-store's personal-data API takes it and scopes every query by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    request: Request,
    as_of: DateTime<FixedOffset>,
    grounds: Vec<Ground>,
}

impl Allowed {
    /// The request that was allowed.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The principal allowed to act.
    pub fn principal(&self) -> Principal {
        self.request.principal
    }

    /// The action allowed.
    pub fn action(&self) -> Action {
        self.request.action
    }

    /// The one partition the action may touch.
    pub fn partition(&self) -> Option<MunicipalityCode> {
        self.request.partition
    }

    /// The time of the decision; the store records it as the event time.
    pub fn as_of(&self) -> DateTime<FixedOffset> {
        self.as_of
    }

    /// The grounds the permission rests on (the legal basis recorded in the audit log).
    pub fn grounds(&self) -> &[Ground] {
        &self.grounds
    }
}

/// A refused request with every unmet ground. This is a value, not an error:
/// it is returned to the caller and written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// What was refused.
    pub request: Request,
    /// When.
    pub as_of: DateTime<FixedOffset>,
    /// Why: each unmet rule with its provision.
    pub grounds: Vec<Ground>,
}

impl Refusal {
    /// The cited provision IDs, in order.
    pub fn provisions(&self) -> Vec<&'static str> {
        self.grounds.iter().map(|g| g.provision.as_str()).collect()
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused:")?;
        for g in &self.grounds {
            write!(f, " {} ({}) {};", g.provision, g.article, g.reason)?;
        }
        Ok(())
    }
}
