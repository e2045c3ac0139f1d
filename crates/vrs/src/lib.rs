//! vrs: the Vaccination Record System (ワクチン接種記録システム) as a library.
//!
//! [`Vrs`] is the one service an integrator embeds. Each method is a use case
//! and does the same three things: ask [`vrs_consent::decide`] whether the
//! acting [`Principal`] may do it (citing the provisions of the December 2021
//! terms), then act through [`vrs_store`] with the resulting proof, writing the
//! audit event in the same transaction. A refusal is an [`Answer::Refused`]
//! value with its cited grounds, and is audited too. The facade holds no rule
//! or format logic of its own.
//!
//! ```
//! use vrs::{Answer, Vrs, FixedClock, jst};
//! use chrono::TimeZone;
//!
//! let dir = tempfile::tempdir()?;
//! let clock = FixedClock(jst().with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap());
//! Vrs::init(dir.path(), None, &clock)?;
//! let mut vrs = Vrs::open(dir.path(), Box::new(clock))?;
//!
//! let chiyoda = "municipality:131016".parse()?;
//! // A municipality uses VRS only after consenting to its terms (T1-2-3).
//! let terms = vrs::consent::DocumentId::Terms20211203;
//! let Answer::Done(_) = vrs.grant_consent(chiyoda, None, terms, None, Some("mayor"))? else {
//!     panic!("refused")
//! };
//! let csv = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n\
//!            131016,A1,123456789018,0000000001,山田 太郎,ヤマダ タロウ,昭和55年2月17日,1\n";
//! let Answer::Done(report) = vrs.import_residents(chiyoda, csv.as_bytes(), None, false)? else {
//!     panic!("refused")
//! };
//! assert_eq!((report.imported, report.errors.len()), (1, 0));
//!
//! // The State sees statistics only (T1-4-6).
//! let national = "national".parse()?;
//! let Answer::Refused(refusal) = vrs.count_residents(national, Some("131016".parse()?))? else {
//!     panic!("allowed")
//! };
//! assert_eq!(refusal.provisions(), ["T1-4-6"]);
//! assert!(vrs.audit_verify()?.valid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod alerts;
mod app;
mod audit_search;
mod auth;
mod barcode_signer;
mod clock;
mod contract_end;
mod dashboard;
mod governance;
mod inquiry;
mod issuance;
mod keys;
mod ledger;
mod moves;
mod readers;
mod records;
mod release;
mod shared;
mod verifier;
pub mod views;

use std::io::Read;
use std::path::Path;
use vrs_store::Outcome;

pub use alerts::{Alert, AlertKind, AlertOptions, Alerts, MAX_ALERT_EVENTS};
pub use app::{
    AppApplication, AppIssued, Challenge, CheckedApplication, PassportLines, MAX_LIVE_CHALLENGES,
};
pub use audit_search::MAX_AUDIT_SEARCH;
pub use auth::{AuthFailure, Caller, Enrolled, Session, UserSpec};
pub use barcode_signer::SignerRequest;
pub use clock::{jst, Clock, FixedClock, SystemClock};
pub use contract_end::{ExportedFile, MunicipalityExport, RESIDENTS_FILE};
pub use dashboard::{Dashboard, PublicPage, TableFile};
pub use governance::{ConsentRow, ConsentView, DocumentView};
pub use inquiry::{BatchInquiry, InquiryOptions};
pub use issuance::{Application, Issued, Kind, NotIssued};
pub use ledger::LedgerGrant;
pub use records::{ExportOptions, ExportReport, StatCell, StatQuery, Statistics};
pub use release::{PopulationImport, ReleaseFile, ReleaseReport};
pub use shared::{SharedError, SharedVrs};
pub use verifier::VerifyRefusal;
pub use vrs_certificate as certificate;
pub use vrs_consent::{self as consent, Refusal};
pub use vrs_domain::admission::{Correction, Rejection};
pub use vrs_domain::{self as domain, csv_input::Encoding, MunicipalityCode, Principal};
pub use vrs_identity as identity;
/// Whether a `--database` value names PostgreSQL (`postgres://` or `postgresql://`).
pub use vrs_store::is_postgres_url;
pub use vrs_store::{
    AccountError, DeviceCreated, DeviceRecord, EnrolmentCode, StoreError, UserCreated, UserRecord,
};
pub use vrs_store::{AuditPublicKey, ErasureReport, HeadProblem, HeadsReport, SignedHeads};
pub use vrs_store::{
    AuditReport, BackupReport, BackupVerification, ConsentRecord, DoseImportOutcome, DoseVersion,
    ImportOutcome, InitReport, InquiryAnswer, InquiryDose, Lookup, Recorded, Registered,
    ReviewItem, StatKey, StopRecord, StoredEvent, TicketDue,
};
// What callers of the facade need of the store by name: its files, limits and
// output helpers, and the TOTP code (tests and enrolment tools compute one).
// The store itself is not re-exported: callers go through `Vrs`.
pub use vrs_store::{
    create_private_dir, totp_code, IssuanceRecord, OutputError, OutputFile, DB_FILE, KEYRING_FILE,
    MAX_HEADS_BYTES, MAX_PASSWORD_BYTES, TOTP_DIGITS, TOTP_STEP,
};

use vrs_consent::{decide, Action, Request};
use vrs_domain::resident_file::ResidentFile;
use vrs_domain::{MyNumber, Resident};
use vrs_store::{AuditEvent, Store};

/// The answer of a use case: done, or refused by a rule (with its grounds).
#[derive(Debug)]
pub enum Answer<T> {
    /// The use case ran.
    Done(T),
    /// A rule refused it; the refusal cites every unmet provision and was audited.
    Refused(Refusal),
}

/// Errors of the facade: storage problems (bad input is reported in the answers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VrsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing or encoding a certificate failed.
    #[error(transparent)]
    Certificate(vrs_certificate::CertificateError),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// Which file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An export holds a character its encoding cannot write.
    #[error("{}{source}", dose_id.map(|d| format!("dose {d}: ")).unwrap_or_default())]
    Unencodable {
        /// The dose whose line failed, if a dose's.
        dose_id: Option<vrs_domain::DoseId>,
        /// Which character.
        #[source]
        source: vrs_domain::DomainError,
    },
    /// An output path is unusable or could not be written.
    #[error(transparent)]
    Output(#[from] vrs_store::OutputError),
    /// A statistics option is out of bounds (e.g. a minimum cell size below 3).
    #[error(transparent)]
    Statistics(vrs_consent::StatisticsError),
    /// No ticket of the dose asked for was sent on the day asked for.
    #[error(transparent)]
    Tickets(vrs_consent::NoTicketInterval),
    /// A use case was asked for another principal than the caller's (a bug of
    /// the integrator: the caller's credentials decide the principal).
    #[error("the caller acts as {caller}, not as {asked}")]
    CallerMismatch {
        /// The caller's principal.
        caller: Principal,
        /// The principal the use case was asked for.
        asked: Principal,
    },
    /// A batch inquiry's answers do not pair one to one with its rows (a bug).
    #[error("batch inquiry answered {answered} of {asked} rows")]
    BatchMismatch {
        /// How many answers came back.
        answered: usize,
        /// How many rows were asked.
        asked: usize,
    },
}

/// The Vaccination Record System service.
pub struct Vrs {
    store: Store,
    clock: Box<dyn Clock>,
    caller: Option<Caller>,
}

impl std::fmt::Debug for Vrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vrs")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// The partition a resident use case touches: the one named, or the acting
/// municipality's (or site's) own.
fn target(principal: Principal, named: Option<MunicipalityCode>) -> Option<MunicipalityCode> {
    named.or(match principal {
        Principal::Municipality(m) | Principal::Site(m) => Some(m),
        _ => None,
    })
}

impl Vrs {
    /// Creates or completes a data directory (keyring, database, migrations).
    /// Refuses to change the issuer base URL of a live data directory; see
    /// [`Vrs::init_with`].
    pub fn init(
        dir: &Path,
        issuer_base_url: Option<&str>,
        clock: &dyn Clock,
    ) -> Result<InitReport, VrsError> {
        Self::init_with(dir, issuer_base_url, false, clock)
    }

    /// [`Vrs::init`], with `force` allowing a new issuer base URL on a live data
    /// directory (it changes every issuer and invalidates every certificate).
    /// Both the change and a refused attempt are audited.
    pub fn init_with(
        dir: &Path,
        issuer_base_url: Option<&str>,
        force: bool,
        clock: &dyn Clock,
    ) -> Result<InitReport, VrsError> {
        Self::init_database(dir, None, issuer_base_url, force, clock)
    }

    /// [`Vrs::init_with`] choosing the backend: `database` a `postgres://`
    /// URL keeps the data in PostgreSQL, `None` in SQLite inside `dir`.
    pub fn init_database(
        dir: &Path,
        database: Option<&str>,
        issuer_base_url: Option<&str>,
        force: bool,
        clock: &dyn Clock,
    ) -> Result<InitReport, VrsError> {
        let now = clock.now();
        let report =
            match Store::init_database(dir, database, issuer_base_url, force, &now.to_rfc3339()) {
                Ok(r) => r,
                Err(e @ StoreError::IssuerBaseUrlChange { .. }) => {
                    let mut store = Store::open(dir, &now.to_rfc3339())?;
                    store.audit_operation(
                        &AuditEvent::new(
                            now.to_rfc3339(),
                            Principal::Operator,
                            "init",
                            Outcome::Refused,
                        )
                        .with_detail(serde_json::json!({
                            "refused": "issuer_base_url_change",
                            "requested_issuer_base_url": issuer_base_url,
                        })),
                    )?;
                    return Err(e.into());
                }
                Err(e) => return Err(e.into()),
            };
        let mut store = Store::open(dir, &now.to_rfc3339())?;
        store.audit_operation(
            &AuditEvent::new(now.to_rfc3339(), Principal::Operator, "init", Outcome::Done)
                .with_detail(serde_json::json!({
                    "created_keyring": report.created_keyring,
                    "applied_migrations": report.applied_migrations,
                    "issuer_base_url": report.issuer_base_url,
                    "forced": force,
                })),
        )?;
        Ok(report)
    }

    /// T1-5-3: restores a backup into a new or empty data directory with the
    /// keyring made with it; the backup is verified under that keyring before
    /// anything is written. The restore is audited in the restored database.
    pub fn restore(
        dir: &Path,
        from: &Path,
        keyring: &Path,
        clock: Box<dyn Clock>,
    ) -> Result<Self, VrsError> {
        let now = clock.now();
        let mut store = Store::restore(dir, from, keyring, &now.to_rfc3339())?;
        store.audit_operation(
            &AuditEvent::new(
                now.to_rfc3339(),
                Principal::Operator,
                "restore",
                Outcome::Done,
            )
            .citing(vec![vrs_consent::grounds::BACKUP.as_str()])
            .with_detail(serde_json::json!({ "from": from.display().to_string() })),
        )?;
        Ok(Self::with_store(store, clock))
    }

    /// Whether the store of an initialised data directory answers (a read-only
    /// query, for readiness probes); writes nothing and audits nothing.
    pub fn probe(dir: &Path) -> Result<(), VrsError> {
        Ok(Store::probe(dir)?)
    }

    /// Opens an initialised data directory.
    pub fn open(dir: &Path, clock: Box<dyn Clock>) -> Result<Self, VrsError> {
        let store = Store::open(dir, &clock.now().to_rfc3339())?;
        Ok(Self {
            store,
            clock,
            caller: None,
        })
    }

    /// Wraps an already opened store (an integrator's own keyring or path).
    pub fn with_store(store: Store, clock: Box<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            caller: None,
        }
    }

    fn decide(
        &mut self,
        principal: Principal,
        action: Action,
        partition: Option<MunicipalityCode>,
        subject: Option<&MyNumber>,
    ) -> Result<Result<vrs_consent::Allowed, Refusal>, VrsError> {
        self.decide_request(Request::new(principal, action, partition), subject)
    }

    /// Gathers the facts the request involves (consents of the acting and the
    /// target municipality, emergency stops), decides, and audits a refusal.
    fn decide_request(
        &mut self,
        request: Request,
        subject: Option<&MyNumber>,
    ) -> Result<Result<vrs_consent::Allowed, Refusal>, VrsError> {
        self.check_caller(request.principal)?;
        let mut involved = Vec::with_capacity(2);
        if let Principal::Municipality(m) | Principal::Site(m) = request.principal {
            involved.push(m);
        }
        involved.extend(request.partition);
        let mut facts = self.store.facts(&involved)?;
        facts.user = self.user_facts();
        match decide(&request, &facts, self.clock.now()).into_result() {
            Ok(allowed) => Ok(Ok(allowed)),
            Err(refusal) => {
                self.store.audit_refusal(&refusal, subject)?;
                Ok(Err(refusal))
            }
        }
    }

    /// D12-1: imports a resident file (CSV, UTF-8 or CP932, detected unless
    /// `encoding` says) into the acting municipality's area, all or nothing.
    /// Bad rows are reported in the outcome and nothing is written.
    pub fn import_residents<R: Read + Send>(
        &mut self,
        principal: Principal,
        input: R,
        encoding: Option<Encoding>,
        dry_run: bool,
    ) -> Result<Answer<ImportOutcome>, VrsError> {
        let partition = target(principal, None);
        let allowed = match self.decide(principal, Action::ImportResidents, partition, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let Some(municipality) = allowed.partition() else {
            unreachable_partition()?
        };
        let mut file = match ResidentFile::open(input, encoding, municipality) {
            Ok(f) => f,
            Err(errors) => {
                self.audit_failed_import(
                    principal,
                    "import_residents",
                    Some(municipality),
                    &errors,
                )?;
                return Ok(Answer::Done(ImportOutcome {
                    errors,
                    ..ImportOutcome::default()
                }));
            }
        };
        let detail = serde_json::json!({
            "encoding": format!("{:?}", file.encoding()).to_lowercase(),
            "dry_run": dry_run,
        });
        let rows = std::iter::from_fn(|| file.next_row());
        let outcome = self
            .store
            .import_residents(&allowed, rows, dry_run, detail)?;
        if !outcome.errors.is_empty() {
            self.audit_failed_import(
                principal,
                "import_residents",
                Some(municipality),
                &outcome.errors,
            )?;
        }
        Ok(Answer::Done(outcome))
    }

    /// S-1-3-3, S-3-3: an import that failed (bad file or bad rows, nothing
    /// written) is recorded as an exception event of its own, with the count,
    /// lines and columns of its errors but never a cell's value.
    pub(crate) fn audit_failed_import(
        &mut self,
        principal: Principal,
        action: &'static str,
        municipality: Option<MunicipalityCode>,
        errors: &[vrs_domain::csv_input::RowError],
    ) -> Result<(), VrsError> {
        let mut columns: Vec<&str> = errors
            .iter()
            .map(|e| e.column.as_str())
            .filter(|c| !c.is_empty())
            .collect();
        columns.sort_unstable();
        columns.dedup();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).take(100).collect();
        self.store.audit_operation(
            &AuditEvent::new(
                self.clock.now().to_rfc3339(),
                principal,
                action,
                Outcome::Failed,
            )
            .in_area(municipality.map(|m| m.as_u32()))
            .citing(
                vrs_consent::grounds::FAILURE_LOGGED
                    .iter()
                    .map(|p| p.as_str())
                    .collect(),
            )
            .with_detail(serde_json::json!({
                "errors": errors.len(),
                "lines": lines,
                "columns": columns,
                "written": false,
            })),
        )?;
        Ok(())
    }

    /// Looks a resident up in `municipality`'s area (default: the principal's own).
    pub fn find_resident(
        &mut self,
        principal: Principal,
        municipality: Option<MunicipalityCode>,
        lookup: &Lookup,
    ) -> Result<Answer<Option<Resident>>, VrsError> {
        let subject = match lookup {
            Lookup::MyNumber(n) => Some(n),
            _ => None,
        };
        let partition = target(principal, municipality);
        let mut request = Request::new(principal, Action::ReadResident, partition);
        request.by_my_number = subject.is_some();
        match self.decide_request(request, subject)? {
            Ok(allowed) => Ok(Answer::Done(self.store.find_resident(&allowed, lookup)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// Searches the principal's own area for residents born on `birth` whose kana
    /// name starts with `kana` (at most `limit`): the staff screens' search.
    pub fn search_residents(
        &mut self,
        principal: Principal,
        kana: &vrs_domain::KanaName,
        birth: &vrs_domain::BirthDate,
        limit: u32,
    ) -> Result<Answer<Vec<Resident>>, VrsError> {
        let partition = target(principal, None);
        match self.decide(principal, Action::ReadResident, partition, None)? {
            Ok(allowed) => Ok(Answer::Done(self.store.search_residents(
                &allowed,
                kana.as_str(),
                birth,
                limit,
            )?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// Counts the residents of `municipality`'s area (default: the principal's own).
    pub fn count_residents(
        &mut self,
        principal: Principal,
        municipality: Option<MunicipalityCode>,
    ) -> Result<Answer<u64>, VrsError> {
        let partition = target(principal, municipality);
        match self.decide(principal, Action::CountResidents, partition, None)? {
            Ok(allowed) => Ok(Answer::Done(self.store.count_residents(&allowed)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// Verifies the audit chain (always available, also during an emergency stop).
    pub fn audit_verify(&self) -> Result<AuditReport, VrsError> {
        Ok(self.store.audit_verify()?)
    }

    /// Signs every audit chain's head now with the audit key; the result carries
    /// the public key to publish (`vrs audit heads`).
    pub fn audit_heads(&self) -> Result<SignedHeads, VrsError> {
        Ok(self.store.audit_heads(&self.clock.now().to_rfc3339())?)
    }

    /// Checks the audit log against heads signed earlier, with nothing but those
    /// heads and the published audit key: detects a rewritten event, a cut-off
    /// tail and a database rolled back to before the heads.
    pub fn audit_verify_heads(&self, heads: &SignedHeads) -> Result<HeadsReport, VrsError> {
        Ok(self.store.audit_verify_heads(heads)?)
    }

    /// Searches the audit log (newest `limit` matches, oldest first).
    pub fn audit_search(
        &self,
        municipality: Option<MunicipalityCode>,
        action: Option<&str>,
        principal: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, VrsError> {
        Ok(self
            .store
            .audit_search(municipality, action, principal, limit)?)
    }

    /// T1-5-3: writes a consistent backup copy while in use; the backup is audited
    /// first, so the copy holds its own event. An existing `to` is refused unless
    /// `replace`.
    pub fn backup(&mut self, to: &Path, replace: bool) -> Result<BackupReport, VrsError> {
        let out = self.store.backup_file(to, replace)?;
        let now = self.clock.now();
        self.store.audit_operation(
            &AuditEvent::new(
                now.to_rfc3339(),
                Principal::Operator,
                "backup",
                Outcome::Done,
            )
            .citing(vec![vrs_consent::grounds::BACKUP.as_str()])
            .with_detail(serde_json::json!({ "to": to.display().to_string() })),
        )?;
        Ok(self.store.backup_into(out)?)
    }

    /// Verifies a backup file (integrity, schema, audit chain) with this instance's keyring.
    pub fn verify_backup(&self, file: &Path) -> Result<BackupVerification, VrsError> {
        Ok(self.store.verify_backup(file)?)
    }

    /// The clock's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.clock.now()
    }
}

fn unreachable_partition<T>() -> Result<T, VrsError> {
    Err(VrsError::Store(StoreError::WrongProof {
        expected: "a partition",
        got: "none",
    }))
}
