//! Doses: registration from a ticket's OCR line (single and bulk), management by
//! the holding municipality with a version history, the review queue, the ledger
//! export and statistics. Every method is scoped by an `Allowed` proof and writes
//! its audit event in the same transaction as its effect.

mod change;
mod ledger;
mod stats;
pub(crate) mod tally;

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{params, OptionalExtension};

use crate::group::Transaction;
use serde::Serialize;
use vrs_consent::{Action, Allowed, Refusal};
use vrs_domain::admission::{self, Admission, HeldDose};
use vrs_domain::csv_input::RowError;
use vrs_domain::{
    BirthDate, Dose, DoseEntry, DoseId, DoseNumber, DoseStatus, MunicipalityCode, Principal,
    TicketNumber,
};

pub use stats::{StatKey, StatRow, StatScope};
pub use vrs_domain::admission::{Correction, Rejection};

use crate::audit;
use crate::residents::event;
use crate::{Store, StoreError};

/// A registered dose (or the existing one, for a repeated registration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registered {
    /// The dose's id.
    pub dose_id: DoseId,
    /// The residence municipality whose area holds it.
    pub municipality_code: MunicipalityCode,
    /// The dose number derived.
    pub dose_number: DoseNumber,
    /// Whether a site of another municipality registered it (T1-3-1-6).
    pub on_behalf: bool,
    /// True when the same dose was already registered (nothing was written).
    pub existing: bool,
    /// Why it was flagged for a human check, if it was.
    pub review: Vec<String>,
}

/// What a bulk upload did, or why it did nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DoseImportOutcome {
    /// New doses.
    pub registered: u64,
    /// Rows identical to a dose already held.
    pub existing: u64,
    /// Unconfirmed doses overwritten by a different upload of the same day (a new version).
    pub replaced: u64,
    /// Rows that would have overwritten a confirmed dose: the dose was kept.
    pub kept_confirmed: u64,
    /// Of the doses registered, how many on another municipality's behalf.
    pub on_behalf: u64,
    /// Every bad row; when non-empty, nothing was written.
    pub errors: Vec<RowError>,
    /// Whether the changes were kept.
    pub committed: bool,
}

/// One version of a dose with who made it, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseVersion {
    /// The version number.
    pub version: u32,
    /// `registered`, `corrected`, `deleted`, `confirmed` or `reuploaded`.
    pub change: String,
    /// When (RFC 3339, Japan time).
    pub changed_at: String,
    /// Who.
    pub changed_by: String,
    /// Why (the reason given with a correction or deletion).
    pub reason: Option<String>,
    /// The dose as it was in this version.
    pub dose: Dose,
}

/// A dose waiting for a human check, with why it was flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// The dose.
    pub dose: Dose,
    /// The reasons.
    pub reasons: Vec<String>,
}

/// Who acts and where, for the rows of one registration or upload.
pub(crate) struct Writer {
    pub(crate) municipality: MunicipalityCode,
    pub(crate) principal: Principal,
    pub(crate) by: String,
    pub(crate) vaccinating: MunicipalityCode,
    pub(crate) on_behalf: bool,
    pub(crate) now: String,
    pub(crate) today: NaiveDate,
}

impl Writer {
    pub(crate) fn new(allowed: &Allowed, municipality: MunicipalityCode) -> Self {
        let principal = allowed.principal();
        let vaccinating = admission::vaccinated_in(principal, municipality);
        Self {
            municipality,
            principal,
            by: principal.to_string(),
            vaccinating,
            on_behalf: vaccinating != municipality,
            now: allowed.as_of().to_rfc3339(),
            today: allowed.as_of().date_naive(),
        }
    }
}

/// What applying one entry did.
pub(crate) enum Applied {
    New(Registered),
    Existing(Registered),
    Replaced,
    KeptConfirmed,
}

/// The blind index of the person a registration is about (none on behalf).
pub(crate) type Subject = [u8; 32];

/// One residence municipality of a bulk upload: its proof (or refusal) and counts.
pub(crate) type Area = (
    MunicipalityCode,
    Result<(Allowed, Writer), String>,
    [u64; 5],
);

pub(crate) const DOSE_COLS: &str =
    "id, municipality, ticket_number, dose_number, date, product, lot, venue, doctor, \
     vaccinating_municipality, registered_at, registered_by, on_behalf, status, confirmed, version, \
     carried_from, original_dose_number";

pub(crate) fn corrupt(what: impl fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: format!("doses: {what}"),
    }
}

pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> Result<T, StoreError>
where
    T::Err: fmt::Display,
{
    s.parse().map_err(corrupt)
}

/// How many columns [`DOSE_COLS`] selects: further columns start at this index.
pub(crate) const AFTER: usize = 18;

/// Reads a dose from a row selected with [`DOSE_COLS`] (at offset 0).
fn read_dose(r: &rusqlite::Row<'_>) -> Result<Dose, StoreError> {
    let municipality = MunicipalityCode::from_u32(r.get::<_, u32>(1)?).map_err(corrupt)?;
    let venue: Option<String> = r.get(7)?;
    let doctor: Option<String> = r.get(8)?;
    let registered_at: String = r.get(10)?;
    Ok(Dose {
        id: DoseId::new(municipality, r.get::<_, i64>(0)? as u64).map_err(corrupt)?,
        ticket_number: TicketNumber::from_u64(r.get::<_, i64>(2)? as u64).map_err(corrupt)?,
        dose_number: DoseNumber::new(r.get(3)?).map_err(corrupt)?,
        date: parse(&r.get::<_, String>(4)?)?,
        vaccine: parse(&r.get::<_, String>(5)?)?,
        lot: parse(&r.get::<_, String>(6)?)?,
        venue: venue.as_deref().map(parse).transpose()?,
        doctor: doctor.as_deref().map(parse).transpose()?,
        vaccinating_municipality: MunicipalityCode::from_u32(r.get::<_, u32>(9)?)
            .map_err(corrupt)?,
        registered_at: DateTime::<FixedOffset>::parse_from_rfc3339(&registered_at)
            .map_err(corrupt)?,
        registered_by: parse(&r.get::<_, String>(11)?)?,
        on_behalf: r.get::<_, i64>(12)? == 1,
        status: parse::<DoseStatus>(&r.get::<_, String>(13)?)?,
        confirmed: r.get::<_, i64>(14)? == 1,
        version: r.get(15)?,
        carried_over: match (r.get::<_, Option<u32>>(16)?, r.get::<_, Option<u8>>(17)?) {
            (Some(from), Some(n)) => Some(vrs_domain::CarriedOver {
                from: MunicipalityCode::from_u32(from).map_err(corrupt)?,
                original_dose_number: DoseNumber::new(n).map_err(corrupt)?,
            }),
            _ => None,
        },
    })
}

/// Runs a query selecting `id, dose_number, date, product, lot, confirmed` of
/// the doses of partition `m`, as the admission rules see them.
fn load_held(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
    m: MunicipalityCode,
) -> Result<Vec<HeldDose>, StoreError> {
    let mut rows = stmt.query(params)?;
    let mut held = Vec::new();
    while let Some(r) = rows.next()? {
        held.push(HeldDose {
            id: DoseId::new(m, r.get::<_, i64>(0)? as u64).map_err(corrupt)?,
            dose_number: DoseNumber::new(r.get(1)?).map_err(corrupt)?,
            date: parse(&r.get::<_, String>(2)?)?,
            product: parse(&r.get::<_, String>(3)?)?,
            lot: parse(&r.get::<_, String>(4)?)?,
            confirmed: r.get::<_, i64>(5)? == 1,
        });
    }
    Ok(held)
}

/// A resident's stored birth date, if the resident was found.
pub(crate) fn read_birth(stored: Option<String>) -> Result<Option<BirthDate>, StoreError> {
    stored
        .map(|b| BirthDate::from_date(parse(&b)?).map_err(corrupt))
        .transpose()
}

/// The age-band expression over a `doses.age` column (the same bands as
/// [`vrs_domain::age_band`]).
pub(crate) const AGE_BAND_SQL: &str = "CASE WHEN age >= 90 THEN '90+' WHEN age < 0 THEN '0-9' \
     ELSE (age / 10 * 10) || '-' || (age / 10 * 10 + 9) END";

/// Adds `delta` to the statistics cell of dose `id` as it stands now, if it is active
/// and registered here (a carried-over dose is counted by the municipality that holds it).
fn count_dose(tx: &Transaction<'_>, id: i64, delta: i64) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(&count_sql())?
        .execute(params![id, delta])?;
    Ok(())
}

fn count_sql() -> String {
    format!(
        "INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
         SELECT municipality, date, dose_number, product, {AGE_BAND_SQL}, ?2
         FROM doses WHERE id = ?1 AND status = 'active' AND carried_from IS NULL
         ON CONFLICT (municipality, date, dose_number, product, age_band)
         DO UPDATE SET n = n + excluded.n"
    )
}

/// Copies the current version of dose `id` into the history.
fn keep_version(tx: &Transaction<'_>, id: i64) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO dose_history (dose_id, version, municipality, address_number, ticket_number,
             ticket_kind, ticket_dose_count, dose_number, date, product, lot, venue, doctor,
             vaccinating_municipality, age, registered_at, registered_by, on_behalf, status,
             confirmed, review, changed_at, changed_by, change, reason, carried_from,
             original_dose_number)
         SELECT id, version, municipality, address_number, ticket_number, ticket_kind,
             ticket_dose_count, dose_number, date, product, lot, venue, doctor,
             vaccinating_municipality, age, registered_at, registered_by, on_behalf, status,
             confirmed, review, changed_at, changed_by, change, reason, carried_from,
             original_dose_number
         FROM doses WHERE id = ?1",
    )?
    .execute([id])?;
    Ok(())
}

/// The statements every registered row runs, prepared once per transaction,
/// and the lots already seen in it.
struct Hot<'a> {
    resident: rusqlite::CachedStatement<'a>,
    held: rusqlite::CachedStatement<'a>,
    insert: rusqlite::CachedStatement<'a>,
    lot: rusqlite::CachedStatement<'a>,
    count: rusqlite::CachedStatement<'a>,
    lots: HashMap<String, HashSet<String>>,
}

impl<'a> Hot<'a> {
    fn new(tx: &'a Transaction<'_>) -> Result<Self, rusqlite::Error> {
        Ok(Self {
            resident: tx.prepare_cached(
                "SELECT address_number, birth_date, my_number_index FROM residents
                 WHERE municipality = ?1 AND ticket_number = ?2",
            )?,
            held: tx.prepare_cached(
                "SELECT id, dose_number, date, product, lot, confirmed FROM doses
                 WHERE municipality = ?1 AND address_number = ?2 AND status = 'active'
                 ORDER BY dose_number",
            )?,
            insert: tx.prepare_cached(
                "INSERT INTO doses (municipality, address_number, ticket_number, ticket_kind,
                     ticket_dose_count, dose_number, date, product, lot, venue, doctor,
                     vaccinating_municipality, age, registered_at, registered_by, on_behalf, status,
                     confirmed, review, version, changed_at, changed_by, change, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     'active', 0, ?17, 1, ?14, ?15, 'registered', NULL)",
            )?,
            lot: tx.prepare_cached(
                "INSERT INTO lots (product, lot, first_seen) VALUES (?1, ?2, ?3)
                 ON CONFLICT (product, lot) DO NOTHING",
            )?,
            count: tx.prepare_cached(
                "INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)
                 ON CONFLICT (municipality, date, dose_number, product, age_band)
                 DO UPDATE SET n = n + 1",
            )?,
            lots: HashMap::new(),
        })
    }

    /// Whether a lot is seen for the first time for a product (and remembers it).
    fn first_use_of_lot(
        &mut self,
        product: &str,
        lot: &str,
        now: &str,
    ) -> Result<bool, rusqlite::Error> {
        if self.lots.get(product).is_some_and(|l| l.contains(lot)) {
            return Ok(false);
        }
        let inserted = self.lot.execute(params![product, lot, now])?;
        self.lots
            .entry(product.to_owned())
            .or_default()
            .insert(lot.to_owned());
        Ok(inserted == 1)
    }
}

/// Applies one entry in `tx`: loads the resident and the doses held, asks the
/// admission rule ([`admission::admit_dose`]) and persists what it admits: a new
/// dose, nothing (the same dose again) or a new version of an unconfirmed one.
fn apply_entry(
    tx: &Transaction<'_>,
    w: &Writer,
    e: &DoseEntry,
    reupload: bool,
    hot: &mut Hot<'_>,
) -> Result<Result<(Applied, Option<Subject>), Rejection>, StoreError> {
    let m = w.municipality.as_u32();
    let ticket = e.ocr.ticket_number();
    let resident: Option<(String, String, Vec<u8>)> = hot
        .resident
        .query_row(params![m, ticket.as_u64() as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    // No resident holds the ticket: the rule refuses it (no birth date).
    let (address, birth, index) = match resident {
        Some((address, birth, index)) => (address, read_birth(Some(birth))?, index),
        None => (String::new(), None, Vec::new()),
    };
    let held = if birth.is_some() {
        load_held(&mut hot.held, params![m, address], w.municipality)?
    } else {
        Vec::new()
    };
    let admitted = match admission::admit_dose(e, birth, &held, w.today, reupload) {
        Ok(admitted) => admitted,
        Err(rejection) => return Ok(Err(rejection)),
    };
    let subject = if w.on_behalf {
        None
    } else {
        index.as_slice().try_into().ok()
    };
    let (dose_number, age) = match admitted {
        Admission::New { dose_number, age } => (dose_number, age),
        Admission::Existing(same) => {
            return Ok(Ok((
                Applied::Existing(Registered {
                    dose_id: same.id,
                    municipality_code: w.municipality,
                    dose_number: same.dose_number,
                    on_behalf: w.on_behalf,
                    existing: true,
                    review: vec![],
                }),
                subject,
            )))
        }
        Admission::KeepConfirmed(_) => return Ok(Ok((Applied::KeptConfirmed, subject))),
        Admission::Replace(same) => {
            let id = same.id.serial() as i64;
            keep_version(tx, id)?;
            count_dose(tx, id, -1)?;
            tx.prepare_cached(
                "UPDATE doses SET product = ?2, lot = ?3, venue = ?4, doctor = ?5,
                     version = version + 1, changed_at = ?6, changed_by = ?7,
                     change = 'reuploaded', reason = NULL
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                e.product.id(),
                e.lot.as_str(),
                e.venue.as_ref().map(|v| v.as_str()),
                e.doctor.as_ref().map(|d| d.as_str()),
                w.now,
                w.by
            ])?;
            count_dose(tx, id, 1)?;
            return Ok(Ok((Applied::Replaced, subject)));
        }
    };
    let new_lot = hot.first_use_of_lot(e.product.id(), e.lot.as_str(), &w.now)?;
    let on_behalf = w.on_behalf.then_some((w.principal, w.vaccinating));
    let review: Vec<String> = admission::review_reasons(e, dose_number, on_behalf, new_lot)
        .iter()
        .map(ToString::to_string)
        .collect();
    let review_json = if review.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&review).map_err(StoreError::json)?)
    };
    let date = e.date.to_string();
    hot.insert.execute(params![
        m,
        address,
        ticket.as_u64() as i64,
        e.ocr.kind(),
        e.ocr.dose_count(),
        dose_number.get(),
        date,
        e.product.id(),
        e.lot.as_str(),
        e.venue.as_ref().map(|v| v.as_str()),
        e.doctor.as_ref().map(|d| d.as_str()),
        w.vaccinating.as_u32(),
        age,
        w.now,
        w.by,
        w.on_behalf,
        review_json,
    ])?;
    let id = tx.last_insert_rowid();
    hot.count.execute(params![
        m,
        date,
        dose_number.get(),
        e.product.id(),
        vrs_domain::age_band(age)
    ])?;
    Ok(Ok((
        Applied::New(Registered {
            dose_id: DoseId::new(w.municipality, id as u64).map_err(corrupt)?,
            municipality_code: w.municipality,
            dose_number,
            on_behalf: w.on_behalf,
            existing: false,
            review,
        }),
        subject,
    )))
}

/// A partition's proof for a bulk upload, asked for when the partition first appears.
pub type Authorize<'a> = dyn FnMut(MunicipalityCode) -> Result<Allowed, Refusal> + 'a;

/// Rows ordered together by the bulk upload's worker.
pub(crate) const CHUNK: usize = 1 << 16;

/// One line of a bulk upload as read.
type Row = (u64, Result<DoseEntry, Vec<RowError>>);

impl Store {
    /// D12-2, T1-3-1-6: registers one dose into the residence municipality's area
    /// `allowed` names. A repeated registration returns the existing dose.
    pub fn register_dose(
        &mut self,
        allowed: &Allowed,
        entry: &DoseEntry,
    ) -> Result<Result<Registered, Rejection>, StoreError> {
        let municipality = allowed.partition_for(Action::RegisterDose)?;
        if municipality != entry.ocr.municipality() {
            return Err(StoreError::WrongProof {
                expected: "the OCR line's municipality",
                got: "another partition",
            });
        }
        let w = Writer::new(allowed, municipality);
        let tx =
            backend!(mut self, pg => pg.register_dose(&self.keys, allowed, municipality, entry))
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let result = {
            let mut hot = Hot::new(&tx)?;
            apply_entry(&tx, &w, entry, false, &mut hot)?
        };
        let answer = match result {
            Ok((Applied::New(r) | Applied::Existing(r), subject)) => {
                let detail = serde_json::json!({
                    "dose_id": r.dose_id, "dose_number": r.dose_number,
                    "on_behalf": r.on_behalf, "existing": r.existing, "review": r.review,
                });
                audit::append(&tx, &self.keys, &event(allowed, subject, detail))?;
                Ok(r)
            }
            Ok((Applied::Replaced | Applied::KeptConfirmed, _)) => {
                return Err(corrupt("a single registration never re-uploads"))
            }
            Err(rejection) => {
                let mut ev = event(
                    allowed,
                    None,
                    serde_json::json!({ "reason": rejection.to_string() }),
                );
                ev.outcome = crate::Outcome::Rejected;
                audit::append(&tx, &self.keys, &ev)?;
                Err(rejection)
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    /// D12-2, T1-3-1-6: registers a file of doses, all or nothing. Each residence
    /// municipality's area is authorised by `authorize` when it first appears; a
    /// refused area makes its rows bad. A row matching a held dose of the same
    /// person and day with other facts replaces it (new version) unless that dose
    /// was confirmed, in which case it is kept. One audit event per area touched.
    pub fn import_doses<I>(
        &mut self,
        rows: I,
        authorize: &mut Authorize<'_>,
        detail: serde_json::Value,
    ) -> Result<(DoseImportOutcome, Vec<Refusal>), StoreError>
    where
        I: IntoIterator<Item = (u64, Result<DoseEntry, Vec<RowError>>)>,
        I::IntoIter: Send,
    {
        let keys = &self.keys;
        let tx = backend!(mut self, pg => pg.import_doses(&self.keys, rows, authorize, detail))
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut out = DoseImportOutcome::default();
        let mut refusals = Vec::new();
        // Per partition: the proof (or the refusal), the writer and its counts.
        let mut areas: Vec<Area> = Vec::new();
        let mut hot = Hot::new(&tx)?;
        let rows = rows.into_iter();
        std::thread::scope(|scope| -> Result<(), StoreError> {
            // The worker reads rows in chunks and orders each chunk by residence
            // municipality and ticket (stably: one person's rows keep their file
            // order), so the SQLite thread walks the indexes in order rather than
            // at random. Errors are sorted back into line order at the end.
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Row>>(2);
            scope.spawn(move || {
                let mut chunk = Vec::with_capacity(CHUNK);
                let sort_and_send = |mut chunk: Vec<Row>| {
                    chunk.sort_by_key(|(_, r)| {
                        r.as_ref()
                            .ok()
                            .map(|e| (e.ocr.municipality(), e.ocr.ticket_number()))
                    });
                    send.send(chunk).is_ok()
                };
                for row in rows {
                    chunk.push(row);
                    if chunk.len() == CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        if !sort_and_send(full) {
                            return;
                        }
                    }
                }
                if !chunk.is_empty() {
                    sort_and_send(chunk);
                }
            });
            for (line, row) in receive.iter().flatten() {
                let entry = match row {
                    Ok(e) => e,
                    Err(mut errs) => {
                        out.errors.append(&mut errs);
                        continue;
                    }
                };
                let m = entry.ocr.municipality();
                let slot = match areas.iter().position(|a| a.0 == m) {
                    Some(i) => i,
                    None => {
                        let proof = match authorize(m) {
                            Ok(a) if a.partition_for(Action::ImportDoses) == Ok(m) => {
                                let w = Writer::new(&a, m);
                                Ok((a, w))
                            }
                            Ok(_) => {
                                return Err(StoreError::WrongProof {
                                    expected: "import_doses for the row's municipality",
                                    got: "another proof",
                                })
                            }
                            Err(r) => {
                                let text = r.to_string();
                                refusals.push(r);
                                Err(text)
                            }
                        };
                        areas.push((m, proof, [0; 5]));
                        areas.len() - 1
                    }
                };
                let (_, proof, counts) = &mut areas[slot];
                let w = match proof {
                    Ok((_, w)) => w,
                    Err(text) => {
                        out.errors.push(RowError {
                            line,
                            column: "ocr_line".into(),
                            reason: text.clone(),
                        });
                        continue;
                    }
                };
                match apply_entry(&tx, w, &entry, true, &mut hot)? {
                    Ok((Applied::New(r), _)) => {
                        counts[0] += 1;
                        out.registered += 1;
                        if r.on_behalf {
                            out.on_behalf += 1;
                        }
                    }
                    Ok((Applied::Existing(_), _)) => {
                        counts[1] += 1;
                        out.existing += 1;
                    }
                    Ok((Applied::Replaced, _)) => {
                        counts[2] += 1;
                        out.replaced += 1;
                    }
                    Ok((Applied::KeptConfirmed, _)) => {
                        counts[3] += 1;
                        out.kept_confirmed += 1;
                    }
                    Err(rejection) => out.errors.push(RowError {
                        line,
                        column: rejection.column().into(),
                        reason: rejection.to_string(),
                    }),
                }
            }
            Ok(())
        })?;
        drop(hot);
        out.errors.sort_by_key(|e| e.line);
        if !out.errors.is_empty() {
            tx.rollback()?;
            // Nothing was kept: no count may suggest otherwise.
            let errors = std::mem::take(&mut out.errors);
            return Ok((
                DoseImportOutcome {
                    errors,
                    ..DoseImportOutcome::default()
                },
                refusals,
            ));
        }
        for (_, proof, counts) in &areas {
            if let Ok((allowed, _)) = proof {
                let mut d = detail.clone();
                if let Some(map) = d.as_object_mut() {
                    map.insert("registered".into(), counts[0].into());
                    map.insert("existing".into(), counts[1].into());
                    map.insert("replaced".into(), counts[2].into());
                    map.insert("kept_confirmed".into(), counts[3].into());
                }
                audit::append(&tx, keys, &event(allowed, None, d))?;
            }
        }
        tx.commit()?;
        out.committed = true;
        Ok((out, refusals))
    }
}
