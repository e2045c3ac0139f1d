//! Vaccination records use cases: register (single and bulk, also on behalf of
//! another municipality), list, correct, delete, confirm, history, review queue,
//! ledger export and statistics. Each = consent decision → store → audit.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use vrs_consent::{
    contributes_to_statistics, decide, min_cell_size, suppressed_cells, Action, Request,
    StatisticsError,
};
use vrs_domain::admission::{Correction, Rejection};
use vrs_domain::dose_file::DoseFile;
use vrs_domain::{Dose, DoseEntry, DoseId, MunicipalityCode, Principal};
use vrs_store::{DoseImportOutcome, DoseVersion, Registered, ReviewItem, StatKey, StatScope};

use crate::{target, Answer, Encoding, Lookup, Vrs, VrsError};

/// What a statistics query asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatQuery {
    /// Group keys, in output order (none: one total).
    pub by: Vec<StatKey>,
    /// First vaccination date counted.
    pub from: Option<NaiveDate>,
    /// Last vaccination date counted.
    pub to: Option<NaiveDate>,
    /// One municipality only (the State, a prefecture for its own, a municipality for itself).
    pub municipality: Option<MunicipalityCode>,
    /// The minimum cell size for suppression (default 10, never below 3).
    pub min_cell: Option<u64>,
}

/// One cell of the statistics: group keys and the count, or `null` and
/// `"suppressed": true` when the count is too small to be given out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatCell {
    /// Key name → value.
    pub keys: Vec<(&'static str, String)>,
    /// The count, `None` when suppressed.
    pub count: Option<u64>,
    /// Whether the count was suppressed (1 ≤ count < minimum cell size).
    pub suppressed: bool,
}

impl Serialize for StatCell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.keys.len() + 2))?;
        for (k, v) in &self.keys {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("count", &self.count)?;
        map.serialize_entry("suppressed", &self.suppressed)?;
        map.end()
    }
}

/// A statistics answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statistics {
    /// `national`, `prefecture:NN` or `municipality:X`: whose doses were counted.
    pub scope: String,
    /// The minimum cell size applied (`None`: exact counts for the holding municipality).
    pub min_cell_size: Option<u64>,
    /// The cells.
    pub rows: Vec<StatCell>,
}

/// What a ledger export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The file written.
    pub path: PathBuf,
    /// Doses written.
    pub doses: u64,
    /// `utf-8` or `cp932`.
    pub encoding: &'static str,
    /// File size.
    pub bytes: u64,
}

/// What a ledger export is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Only doses registered or changed on or after this date.
    pub since: Option<NaiveDate>,
    /// The file's encoding.
    pub encoding: Encoding,
    /// Fill the first column with the address number (VRS leaves it blank).
    pub with_address_number: bool,
    /// Replace an existing file at the output path (otherwise it is refused).
    pub replace: bool,
}

/// The dose's own partition (a dose id names it).
fn own(principal: Principal) -> Option<MunicipalityCode> {
    target(principal, None)
}

impl Vrs {
    /// The facts of every municipality: every consent in force (a small table)
    /// and the emergency stops.
    pub(crate) fn all_facts(&self) -> Result<vrs_consent::Facts, VrsError> {
        let mut facts = self.store.facts(&[])?;
        facts.user = self.user_facts();
        for c in self.store.all_consents()? {
            facts
                .consents
                .entry(c.municipality)
                .or_default()
                .insert(c.document, c.effective_from);
        }
        Ok(facts)
    }

    /// D12-2, T1-3-1-6: registers one dose from a ticket's OCR line into the
    /// residence municipality's area (on its behalf when the site is elsewhere).
    pub fn register_dose(
        &mut self,
        principal: Principal,
        entry: &DoseEntry,
    ) -> Result<Answer<Result<Registered, Rejection>>, VrsError> {
        let partition = Some(entry.ocr.municipality());
        match self.decide(principal, Action::RegisterDose, partition, None)? {
            Ok(allowed) => Ok(Answer::Done(self.store.register_dose(&allowed, entry)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// D12-2, T1-3-1-6: registers a dose file (CSV, UTF-8 or CP932), all or
    /// nothing; every residence municipality in it is decided on its own.
    pub fn import_doses<R: Read + Send>(
        &mut self,
        principal: Principal,
        input: R,
        encoding: Option<Encoding>,
    ) -> Result<Answer<DoseImportOutcome>, VrsError> {
        if let Err(r) = self.decide(principal, Action::ImportDoses, own(principal), None)? {
            return Ok(Answer::Refused(r));
        }
        let mut file = match DoseFile::open(input, encoding) {
            Ok(f) => f,
            Err(errors) => {
                self.audit_failed_import(principal, "import_doses", own(principal), &errors)?;
                return Ok(Answer::Done(DoseImportOutcome {
                    errors,
                    ..DoseImportOutcome::default()
                }));
            }
        };
        let detail = serde_json::json!({
            "encoding": format!("{:?}", file.encoding()).to_lowercase(),
        });
        let now = self.clock.now();
        let mut facts = self.all_facts()?;
        if let Principal::Municipality(m) | Principal::Site(m) = principal {
            facts.consents.entry(m).or_default();
        }
        let mut authorize = |m: MunicipalityCode| {
            facts.consents.entry(m).or_default();
            decide(
                &Request::new(principal, Action::ImportDoses, Some(m)),
                &facts,
                now,
            )
            .into_result()
        };
        let rows = std::iter::from_fn(|| file.next_row());
        let (outcome, refusals) = self.store.import_doses(rows, &mut authorize, detail)?;
        for r in &refusals {
            self.store.audit_refusal(r, None)?;
        }
        if !outcome.errors.is_empty() {
            self.audit_failed_import(principal, "import_doses", own(principal), &outcome.errors)?;
        }
        Ok(Answer::Done(outcome))
    }

    /// T1-5-1: every dose of one resident of the acting municipality's area.
    pub fn list_doses(
        &mut self,
        principal: Principal,
        lookup: &Lookup,
    ) -> Result<Answer<Vec<Dose>>, VrsError> {
        let subject = match lookup {
            Lookup::MyNumber(n) => Some(n),
            _ => None,
        };
        match self.decide(principal, Action::ReadDoses, own(principal), subject)? {
            Ok(allowed) => Ok(Answer::Done(self.store.list_doses(&allowed, lookup)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-5-1: corrects a dose, keeping the previous version.
    pub fn correct_dose(
        &mut self,
        principal: Principal,
        id: DoseId,
        correction: &Correction,
        reason: &str,
    ) -> Result<Answer<Result<Dose, Rejection>>, VrsError> {
        match self.decide(
            principal,
            Action::CorrectDose,
            Some(id.municipality()),
            None,
        )? {
            Ok(a) => Ok(Answer::Done(
                self.store.correct_dose(&a, id, correction, reason)?,
            )),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-5-1: marks a dose entered-in-error; every version is kept.
    pub fn delete_dose(
        &mut self,
        principal: Principal,
        id: DoseId,
        reason: &str,
    ) -> Result<Answer<Result<Dose, Rejection>>, VrsError> {
        match self.decide(principal, Action::DeleteDose, Some(id.municipality()), None)? {
            Ok(a) => Ok(Answer::Done(self.store.delete_dose(&a, id, reason)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-5-1: confirms (locks) a checked dose against later bulk uploads.
    pub fn confirm_dose(
        &mut self,
        principal: Principal,
        id: DoseId,
    ) -> Result<Answer<Result<Dose, Rejection>>, VrsError> {
        match self.decide(
            principal,
            Action::ConfirmDose,
            Some(id.municipality()),
            None,
        )? {
            Ok(a) => Ok(Answer::Done(self.store.confirm_dose(&a, id)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-5-1: every version of a dose with who, when and why.
    pub fn dose_history(
        &mut self,
        principal: Principal,
        id: DoseId,
    ) -> Result<Answer<Result<Vec<DoseVersion>, Rejection>>, VrsError> {
        match self.decide(principal, Action::ReadDoses, Some(id.municipality()), None)? {
            Ok(a) => Ok(Answer::Done(self.store.dose_history(&a, id)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-5-1: the doses of the acting municipality flagged for a human check.
    pub fn review_doses(
        &mut self,
        principal: Principal,
    ) -> Result<Answer<Vec<ReviewItem>>, VrsError> {
        match self.decide(principal, Action::ReviewDoses, own(principal), None)? {
            Ok(a) => Ok(Answer::Done(self.store.review_doses(&a)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-5-1: writes the ledger export ("予防接種台帳向け出力") of the acting
    /// municipality's active doses to `out` (a fresh temporary file beside it, moved
    /// into place when complete; an existing `out` is refused unless
    /// `options.replace`).
    pub fn export_ledger(
        &mut self,
        principal: Principal,
        out: &Path,
        options: ExportOptions,
    ) -> Result<Answer<ExportReport>, VrsError> {
        let allowed = match self.decide(principal, Action::ExportLedger, own(principal), None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let detail = crate::ledger::detail(&options);
        let report = crate::ledger::write_file(out, options, |sink| {
            self.store
                .export_doses(&allowed, options.since, sink, detail)
        })?;
        Ok(Answer::Done(report))
    }

    /// T1-4-4, T1-4-6, P11-7: dose counts grouped as asked. The State sees every
    /// area, a prefecture its own municipalities, a municipality itself; the State
    /// and prefectures get small cells suppressed.
    pub fn dose_statistics(
        &mut self,
        principal: Principal,
        query: &StatQuery,
    ) -> Result<Answer<Statistics>, VrsError> {
        let configured = self.store.statistics_min_cell()?;
        let min_cell = min_cell_size(principal, configured, query.min_cell)?;
        let partition = match principal {
            Principal::Municipality(me) => Some(query.municipality.unwrap_or(me)),
            _ => query.municipality,
        };
        let allowed = match self.decide(principal, Action::ViewStatistics, partition, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let scope = match (principal, partition) {
            (_, Some(m)) => StatScope::Municipality(m),
            (Principal::Prefecture(p), None) => StatScope::Prefecture(p),
            _ => StatScope::All,
        };
        // The State and prefectures get only the data of municipalities that
        // consent to the statistics function (T1-4-4, via the base terms T1-4-5).
        let facts = if vrs_consent::statistics_need_consent(principal) {
            Some(self.all_facts()?)
        } else {
            None
        };
        let now = self.clock.now();
        let include = |m: MunicipalityCode| {
            facts
                .as_ref()
                .is_none_or(|f| contributes_to_statistics(f, m, now))
        };
        let rows = self
            .store
            .dose_statistics(&allowed, scope, &query.by, query.from, query.to, &include)?;
        // T1-4-6: small cells, and the cells that would give them away by
        // subtraction from a total, are suppressed (vrs-consent decides which).
        let counts: Vec<(Vec<&str>, u64)> = rows
            .iter()
            .map(|r| (r.keys.iter().map(|(_, v)| v.as_str()).collect(), r.count))
            .collect();
        let suppressed = suppressed_cells(&counts, min_cell);
        let rows = rows
            .into_iter()
            .zip(suppressed)
            .map(|(r, suppressed)| StatCell {
                keys: r.keys,
                count: (!suppressed).then_some(r.count),
                suppressed,
            })
            .collect();
        Ok(Answer::Done(Statistics {
            scope: match scope {
                StatScope::All => "national".to_owned(),
                StatScope::Prefecture(p) => format!("prefecture:{p}"),
                StatScope::Municipality(m) => format!("municipality:{m}"),
            },
            min_cell_size: min_cell,
            rows,
        }))
    }
}

impl From<StatisticsError> for VrsError {
    fn from(e: StatisticsError) -> Self {
        VrsError::Statistics(e)
    }
}

impl Vrs {
    /// T1-4-6: the operator sets the minimum cell size (never below 3) of the
    /// statistics given to the State and prefectures.
    pub fn configure_statistics(
        &mut self,
        principal: Principal,
        min_cell: u64,
    ) -> Result<Answer<u64>, VrsError> {
        min_cell_size(Principal::National, Some(min_cell), None)?;
        match self.decide(principal, Action::ConfigureStatistics, None, None)? {
            Ok(a) => {
                self.store.set_statistics_min_cell(&a, min_cell)?;
                Ok(Answer::Done(min_cell))
            }
            Err(r) => Ok(Answer::Refused(r)),
        }
    }
}
