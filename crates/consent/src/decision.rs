//! Requests, decisions, grounds and the `Allowed` proof that only this crate can build.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use vrs_domain::{MunicipalityCode, Principal};

use crate::facts::Function;
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
    /// Give the municipality's own consent to a document (N-2, T2-2-2).
    GrantConsent,
    /// Withdraw the municipality's own consent to a document.
    RevokeConsent,
    /// Ask a holding municipality for a person's vaccination records (D12-3).
    Inquire,
    /// Stop functions of VRS (T1-10).
    EmergencyStop,
    /// Resume stopped functions (T1-10).
    EmergencyResume,
    /// Read data received from individuals through electronic issuance (T1-9-3).
    ReadIndividualData,
    /// Register one dose from a ticket's OCR line (D12-2, T1-3-1-6).
    RegisterDose,
    /// Register a file of doses (bulk upload, D12-2, T1-3-1-6).
    ImportDoses,
    /// List a person's doses and their history (T1-5-1).
    ReadDoses,
    /// Correct a dose, keeping the previous version (T1-5-1).
    CorrectDose,
    /// Mark a dose entered-in-error, keeping every version (T1-5-1).
    DeleteDose,
    /// Confirm (lock) a checked dose (T1-5-1).
    ConfirmDose,
    /// Read the queue of doses flagged for a human check (T1-5-1).
    ReviewDoses,
    /// Export the partition's doses for the vaccination ledger (T1-5-1).
    ExportLedger,
    /// Aggregate statistics of doses (T1-4-4, T1-4-6, P11-7).
    ViewStatistics,
    /// Issue a certificate electronically on a person's application (N-1, N-3, T1-4-2).
    IssueCertificate,
    /// Replace a municipality's certificate signing key (T1-4-2).
    RotateIssuerKey,
    /// Create a municipality's first certificate signing key, to publish it (N-1).
    CreateIssuerKey,
    /// Configure the ICAO VDS-NC barcode signer of overseas certificates (S-2-14).
    ConfigureBarcodeSigner,
    /// Set the minimum cell size of the statistics given to the State and prefectures (T1-4-6).
    ConfigureStatistics,
    /// List which municipalities have (or have not) consented (T1-11-2).
    ListConsents,
    /// List the residents whose ticket for the next dose is due (L13, T1-5-1).
    ListTicketsDue,
    /// Set the population denominators of the national release (T1-4-4).
    ImportPopulation,
    /// Add, list, disable or reset the users of an area (T1-9-1).
    ManageUsers,
    /// Register, list or revoke the devices (tablets) of a municipality's sites (T1-9-1, T1-9-2).
    ManageDevices,
    /// Hand a municipality's first administrator a one-time enrolment code (T1-9-1).
    IssueEnrolment,
    /// Read the intrusion signals drawn from the audit log (S-3-3).
    ReadAlerts,
    /// Search the audit log of the municipality's own area (S-3-3 log search).
    SearchAudit,
    /// Hand a municipality's data back to it at the end of its contract (M-13).
    ExportMunicipality,
    /// Erase a municipality's data at the end of its contract (M-13).
    EraseMunicipality,
}

impl Action {
    /// The action's name as written in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ImportResidents => "import_residents",
            Self::ReadResident => "read_resident",
            Self::CountResidents => "count_residents",
            Self::GrantConsent => "grant_consent",
            Self::RevokeConsent => "revoke_consent",
            Self::Inquire => "inquire",
            Self::EmergencyStop => "emergency_stop",
            Self::EmergencyResume => "emergency_resume",
            Self::ReadIndividualData => "read_individual_data",
            Self::RegisterDose => "register_dose",
            Self::ImportDoses => "import_doses",
            Self::ReadDoses => "read_doses",
            Self::CorrectDose => "correct_dose",
            Self::DeleteDose => "delete_dose",
            Self::ConfirmDose => "confirm_dose",
            Self::ReviewDoses => "review_doses",
            Self::ExportLedger => "export_ledger",
            Self::IssueCertificate => "issue_certificate",
            Self::RotateIssuerKey => "rotate_issuer_key",
            Self::CreateIssuerKey => "create_issuer_key",
            Self::ConfigureBarcodeSigner => "configure_barcode_signer",
            Self::ViewStatistics => "view_statistics",
            Self::ConfigureStatistics => "configure_statistics",
            Self::ListConsents => "list_consents",
            Self::ListTicketsDue => "list_tickets_due",
            Self::ImportPopulation => "import_population",
            Self::ManageUsers => "manage_users",
            Self::ManageDevices => "manage_devices",
            Self::IssueEnrolment => "issue_enrolment",
            Self::ReadAlerts => "read_alerts",
            Self::SearchAudit => "search_audit",
            Self::ExportMunicipality => "export_municipality",
            Self::EraseMunicipality => "erase_municipality",
        }
    }

    /// The function an emergency stop of which halts this action (T1-10);
    /// `None` when only stopping `all` does.
    pub fn function(self) -> Option<Function> {
        match self {
            Self::ImportResidents => Some(Function::Import),
            Self::Inquire => Some(Function::Inquiry),
            Self::ReadIndividualData | Self::IssueCertificate | Self::CreateIssuerKey => {
                Some(Function::EIssuance)
            }
            Self::RegisterDose
            | Self::ImportDoses
            | Self::CorrectDose
            | Self::DeleteDose
            | Self::ConfirmDose => Some(Function::Registration),
            Self::ExportLedger | Self::ExportMunicipality => Some(Function::Export),
            Self::ViewStatistics | Self::ImportPopulation => Some(Function::Statistics),
            Self::ReadDoses
            | Self::ReviewDoses
            | Self::ReadResident
            | Self::CountResidents
            | Self::GrantConsent
            | Self::RevokeConsent
            | Self::EmergencyStop
            | Self::EmergencyResume
            | Self::RotateIssuerKey
            | Self::ConfigureBarcodeSigner
            | Self::ConfigureStatistics
            | Self::ListConsents
            | Self::ListTicketsDue
            | Self::ManageUsers
            | Self::ManageDevices
            | Self::IssueEnrolment
            | Self::ReadAlerts
            | Self::SearchAudit
            | Self::EraseMunicipality => None,
        }
    }

    /// Whether the action reads or writes data about identifiable persons.
    /// Counting a partition is an aggregate but still the partition's own
    /// business: it is scoped like person-level access.
    pub fn touches_person_data(self) -> bool {
        match self {
            Self::ImportResidents
            | Self::ReadResident
            | Self::CountResidents
            | Self::Inquire
            | Self::ReadIndividualData
            | Self::RegisterDose
            | Self::ImportDoses
            | Self::ReadDoses
            | Self::CorrectDose
            | Self::DeleteDose
            | Self::ConfirmDose
            | Self::ReviewDoses
            | Self::ExportLedger
            | Self::IssueCertificate
            | Self::ListTicketsDue
            | Self::ExportMunicipality => true,
            Self::GrantConsent
            | Self::RevokeConsent
            | Self::EmergencyStop
            | Self::EmergencyResume
            | Self::RotateIssuerKey
            | Self::CreateIssuerKey
            | Self::ConfigureBarcodeSigner
            | Self::ViewStatistics
            | Self::ConfigureStatistics
            | Self::ListConsents
            | Self::ImportPopulation
            | Self::ManageUsers
            | Self::ManageDevices
            | Self::IssueEnrolment
            | Self::ReadAlerts
            | Self::SearchAudit
            | Self::EraseMunicipality => false,
        }
    }

    /// Whether the action registers doses (a venue writing into a residence
    /// municipality's area, which the registration rules decide).
    pub fn is_registration(self) -> bool {
        matches!(self, Self::RegisterDose | Self::ImportDoses)
    }

    /// Whether the action is the holding municipality's management of its doses (T1-5-1).
    pub fn is_dose_management(self) -> bool {
        matches!(
            self,
            Self::ReadDoses
                | Self::CorrectDose
                | Self::DeleteDose
                | Self::ConfirmDose
                | Self::ReviewDoses
                | Self::ExportLedger
                | Self::ListTicketsDue
        )
    }
}

/// Why data is being used (purpose limitation, T1-9-3, M-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Issuing a vaccination certificate (the business T1-9-3 allows).
    CertificateIssuance,
    /// Managing vaccination records (registration, correction).
    RecordManagement,
    /// Answering another municipality's inquiry.
    Inquiry,
    /// Statistics.
    Statistics,
    /// Exports to other systems.
    Export,
    /// Sending a moved-in person the ticket for their next dose (the inquiry's purpose
    /// that L13 covers; command-line name `vaccination-ticket`).
    VaccinationTicket,
    /// Correcting the person's records (command-line name `record-correction`).
    RecordCorrection,
    /// A purpose outside every list the rules know (e.g. "marketing"): always refused.
    Unlisted,
}

/// One request to decide: who, what, in whose logically separated area, and
/// the request's own circumstances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Request {
    /// The acting party.
    pub principal: Principal,
    /// What it wants to do.
    pub action: Action,
    /// The municipality whose area (partition) the action touches: for an
    /// inquiry, the holding municipality; for consent changes, the consenting one.
    pub partition: Option<MunicipalityCode>,
    /// Inquiry: the asking municipality confirmed the person's consent (the checkbox, N-4).
    pub personal_consent: bool,
    /// What the data will be used for, where the rules ask (T1-9-3).
    pub purpose: Option<Purpose>,
    /// Granting consent: the document consented to and the day it takes effect.
    pub consent: Option<(crate::DocumentId, chrono::NaiveDate)>,
    /// Issuance: the certificate asked for is the overseas one (S-2-14).
    pub overseas_certificate: bool,
    /// Reading a resident: the person is looked up by My Number (M-4-2).
    pub by_my_number: bool,
    /// Issuance: a clerk issues a paper certificate at the counter (窓口発行) to a
    /// person whose identity was checked there, not an application through the app.
    pub at_counter: bool,
}

impl Request {
    /// A request with no checkbox ticked and no stated purpose.
    pub fn new(principal: Principal, action: Action, partition: Option<MunicipalityCode>) -> Self {
        Self {
            principal,
            action,
            partition,
            personal_consent: false,
            purpose: None,
            consent: None,
            overseas_certificate: false,
            by_my_number: false,
            at_counter: false,
        }
    }
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

/// A proof handed to a method that does something else, or that needs a partition
/// the proof does not name: a bug of the caller, never a refusal (refusing was the
/// decision's to do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("permission proof is for {got}, not {expected}")]
pub struct WrongProof {
    /// What the method needs: its action, or `a partition`.
    pub expected: &'static str,
    /// What the proof holds.
    pub got: &'static str,
}

impl Allowed {
    /// This proof, checked to be for `action`: the one check a method taking an
    /// `Allowed` makes before it acts.
    pub fn check(&self, action: Action) -> Result<&Self, WrongProof> {
        if self.action() == action {
            Ok(self)
        } else {
            Err(WrongProof {
                expected: action.as_str(),
                got: self.action().as_str(),
            })
        }
    }

    /// The partition this proof names, checked to be for `action`: every query of
    /// a personal-data method is scoped to it.
    pub fn partition_for(&self, action: Action) -> Result<MunicipalityCode, WrongProof> {
        self.check(action)?.partition().ok_or(WrongProof {
            expected: "a partition",
            got: "none",
        })
    }

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
