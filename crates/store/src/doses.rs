//! Doses: registration from a ticket's OCR line (single and bulk), management by
//! the holding municipality with a version history, the review queue, the ledger
//! export and statistics. Every method is scoped by an `Allowed` proof and writes
//! its audit event in the same transaction as its effect.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use vrs_consent::{Action, Allowed, Refusal};
use vrs_domain::csv_input::RowError;
use vrs_domain::schedule::earliest_dose_date;
use vrs_domain::{
    AddressNumber, DoctorName, Dose, DoseEntry, DoseId, DoseNumber, DoseStatus, LotNumber,
    MunicipalityCode, PrefectureCode, Principal, TicketNumber, VaccineProduct, VenueName,
};

use crate::audit;
use crate::residents::{check_proof, event};
use crate::{Lookup, Store, StoreError};

/// Why a dose was not registered or changed. These are checks on the facts (not
/// legal refusals); each is reported with its reason and audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rejected", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rejection {
    /// The OCR line is well formed but no resident of the municipality holds the ticket.
    UnissuedTicket {
        /// The residence municipality of the OCR line.
        municipality: MunicipalityCode,
        /// The ticket number.
        ticket_number: TicketNumber,
    },
    /// The vaccination date is after today.
    FutureDate {
        /// The date given.
        date: NaiveDate,
        /// Today (Japan time).
        today: NaiveDate,
    },
    /// The vaccination date is before the person's birth.
    BeforeBirth {
        /// The date given.
        date: NaiveDate,
    },
    /// The person already has a dose of the number this one would take.
    DoseNumberHeld {
        /// The number.
        dose_number: u8,
        /// The dose that holds it.
        held_by: DoseId,
    },
    /// The person would have more than nine doses.
    TooManyDoses,
    /// The date is closer to the previous dose than the product allows.
    TooSoon {
        /// The previous dose's date.
        previous: NaiveDate,
        /// Days between the two.
        days: i64,
        /// The product's minimum for this dose number.
        min_days: u16,
        /// The product.
        vaccine: VaccineProduct,
    },
    /// No dose of that id in the partition.
    NotFound {
        /// The id asked for.
        dose_id: DoseId,
    },
    /// The dose was marked entered-in-error; it can no longer be changed.
    Deleted {
        /// The id.
        dose_id: DoseId,
    },
    /// A correction that changes nothing.
    NoChange,
    /// A corrected date would put the dose before an earlier-numbered dose, after a
    /// later-numbered one, or on the day of another dose of the person.
    OutOfOrder {
        /// The dose's number.
        dose_number: u8,
        /// The other dose.
        other: DoseId,
        /// The other dose's date.
        other_date: NaiveDate,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnissuedTicket {
                municipality,
                ticket_number,
            } => write!(
                f,
                "ticket number {ticket_number} was not issued to any resident of {municipality}"
            ),
            Self::FutureDate { date, today } => {
                write!(f, "vaccination date {date} is after today ({today})")
            }
            Self::BeforeBirth { date } => {
                write!(f, "vaccination date {date} is before the person's birth")
            }
            Self::DoseNumberHeld {
                dose_number,
                held_by,
            } => write!(
                f,
                "the person already has dose {dose_number} ({held_by})"
            ),
            Self::TooManyDoses => f.write_str("the person already has nine doses"),
            Self::TooSoon {
                previous,
                days,
                min_days,
                vaccine,
            } => write!(
                f,
                "{days} days after the previous dose of {previous}; {vaccine} needs at least {min_days}"
            ),
            Self::NotFound { dose_id } => write!(f, "no dose {dose_id}"),
            Self::Deleted { dose_id } => {
                write!(f, "dose {dose_id} was marked entered-in-error")
            }
            Self::NoChange => f.write_str("the correction changes nothing"),
            Self::OutOfOrder {
                dose_number,
                other,
                other_date,
            } => write!(
                f,
                "dose {dose_number} would be out of order with {other} of {other_date}"
            ),
        }
    }
}

impl Rejection {
    /// The input column the rejection is about (for bulk-upload reports).
    pub fn column(&self) -> &'static str {
        match self {
            Self::UnissuedTicket { .. } => "ocr_line",
            _ => "date",
        }
    }
}

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

/// A correction of a dose's facts (each `None` keeps the held value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correction {
    /// New date.
    pub date: Option<NaiveDate>,
    /// New product.
    pub vaccine: Option<VaccineProduct>,
    /// New lot.
    pub lot: Option<LotNumber>,
    /// New venue.
    pub venue: Option<VenueName>,
    /// New doctor.
    pub doctor: Option<DoctorName>,
    /// New dose number (e.g. a carried-over dose that clashed, T1-5-1).
    pub dose_number: Option<DoseNumber>,
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

/// A grouping key of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatKey {
    /// The vaccination date.
    Date,
    /// The dose number.
    Dose,
    /// The product id.
    Vaccine,
    /// Ten-year age band on the dose date.
    AgeBand,
    /// The residence municipality.
    Municipality,
}

impl StatKey {
    /// The key's name in output (`date`, `dose`, `vaccine`, `age_band`, `municipality`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Dose => "dose",
            Self::Vaccine => "vaccine",
            Self::AgeBand => "age_band",
            Self::Municipality => "municipality",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Dose => "CAST(dose_number AS TEXT)",
            Self::Vaccine => "product",
            Self::AgeBand => "age_band",
            Self::Municipality => "printf('%06d', municipality)",
        }
    }
}

impl std::str::FromStr for StatKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "date" => Ok(Self::Date),
            "dose" => Ok(Self::Dose),
            "vaccine" => Ok(Self::Vaccine),
            "age-band" | "age_band" => Ok(Self::AgeBand),
            "municipality" => Ok(Self::Municipality),
            other => Err(format!(
                "{other:?} is not one of date, dose, vaccine, age-band, municipality"
            )),
        }
    }
}

/// Which doses a statistics query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatScope {
    /// Every partition (the State).
    All,
    /// The municipalities of one prefecture.
    Prefecture(PrefectureCode),
    /// One municipality.
    Municipality(MunicipalityCode),
}

impl StatScope {
    /// The range of municipality codes the scope covers.
    pub(crate) fn bounds(self) -> (u32, u32) {
        match self {
            Self::All => (0, 999_999),
            Self::Prefecture(p) => {
                let base = u32::from(p.as_u8()) * 10_000;
                (base, base + 9_999)
            }
            Self::Municipality(m) => (m.as_u32(), m.as_u32()),
        }
    }
}

/// One cell of a statistics answer: the group keys and the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatRow {
    /// Key name → value, in the order asked.
    pub keys: Vec<(&'static str, String)>,
    /// The number of doses.
    pub count: u64,
}

/// Who acts and where, for the rows of one registration or upload.
struct Writer {
    municipality: MunicipalityCode,
    by: String,
    vaccinating: MunicipalityCode,
    on_behalf: bool,
    now: String,
    today: NaiveDate,
}

impl Writer {
    fn new(allowed: &Allowed, municipality: MunicipalityCode) -> Self {
        let principal = allowed.principal();
        let vaccinating = match principal {
            Principal::Site(s) | Principal::Municipality(s) => s,
            _ => municipality,
        };
        Self {
            municipality,
            by: principal.to_string(),
            vaccinating,
            on_behalf: vaccinating != municipality,
            now: allowed.as_of().to_rfc3339(),
            today: allowed.as_of().date_naive(),
        }
    }
}

/// What applying one entry did.
enum Applied {
    New(Registered),
    Existing(Registered),
    Replaced,
    KeptConfirmed,
}

/// The blind index of the person a registration is about (none on behalf).
type Subject = [u8; 32];

/// One residence municipality of a bulk upload: its proof (or refusal) and counts.
type Area = (
    MunicipalityCode,
    Result<(Allowed, Writer), String>,
    [u64; 5],
);

struct Held {
    id: i64,
    dose_number: u8,
    date: NaiveDate,
    product: String,
    lot: String,
    confirmed: bool,
}

const DOSE_COLS: &str =
    "id, municipality, ticket_number, dose_number, date, product, lot, venue, doctor, \
     vaccinating_municipality, registered_at, registered_by, on_behalf, status, confirmed, version, \
     carried_from, original_dose_number";

/// Whole days from `a` to `b` (a minimum interval, for the rejection's report).
fn days_between(a: NaiveDate, b: NaiveDate) -> u16 {
    u16::try_from((b - a).num_days()).unwrap_or(u16::MAX)
}

fn corrupt(what: impl fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: format!("doses: {what}"),
    }
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, StoreError>
where
    T::Err: fmt::Display,
{
    s.parse().map_err(corrupt)
}

/// How many columns [`DOSE_COLS`] selects: further columns start at this index.
const AFTER: usize = 18;

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

/// The age-band expression over a `doses.age` column (the same bands as
/// [`vrs_domain::age_band`]).
const AGE_BAND_SQL: &str = "CASE WHEN age >= 90 THEN '90+' WHEN age < 0 THEN '0-9' \
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

/// Applies one entry in `tx`: checks it against the resident and the doses held,
/// then inserts it (or finds it already there, or re-uploads an unconfirmed one).
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
    let Some((address, birth, index)) = resident else {
        return Ok(Err(Rejection::UnissuedTicket {
            municipality: w.municipality,
            ticket_number: ticket,
        }));
    };
    let birth: NaiveDate = parse(&birth)?;
    if e.date > w.today {
        return Ok(Err(Rejection::FutureDate {
            date: e.date,
            today: w.today,
        }));
    }
    if e.date < birth {
        return Ok(Err(Rejection::BeforeBirth { date: e.date }));
    }
    let held: Vec<Held> = hot
        .held
        .query_map(params![m, address], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .map(|row| {
            let (id, dose_number, date, product, lot, confirmed) = row?;
            Ok(Held {
                id,
                dose_number,
                date: parse(&date)?,
                product,
                lot,
                confirmed: confirmed == 1,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let subject = if w.on_behalf {
        None
    } else {
        index.as_slice().try_into().ok()
    };
    let dose_id = |id: i64| DoseId::new(w.municipality, id as u64).map_err(corrupt);
    if let Some(same_day) = held.iter().find(|h| h.date == e.date) {
        if same_day.product == e.product.id() && same_day.lot == e.lot.as_str() {
            return Ok(Ok((
                Applied::Existing(Registered {
                    dose_id: dose_id(same_day.id)?,
                    municipality_code: w.municipality,
                    dose_number: DoseNumber::new(same_day.dose_number).map_err(corrupt)?,
                    on_behalf: w.on_behalf,
                    existing: true,
                    review: vec![],
                }),
                subject,
            )));
        }
        if reupload {
            if same_day.confirmed {
                return Ok(Ok((Applied::KeptConfirmed, subject)));
            }
            keep_version(tx, same_day.id)?;
            count_dose(tx, same_day.id, -1)?;
            tx.prepare_cached(
                "UPDATE doses SET product = ?2, lot = ?3, venue = ?4, doctor = ?5,
                     version = version + 1, changed_at = ?6, changed_by = ?7,
                     change = 'reuploaded', reason = NULL
                 WHERE id = ?1",
            )?
            .execute(params![
                same_day.id,
                e.product.id(),
                e.lot.as_str(),
                e.venue.as_ref().map(|v| v.as_str()),
                e.doctor.as_ref().map(|d| d.as_str()),
                w.now,
                w.by
            ])?;
            count_dose(tx, same_day.id, 1)?;
            return Ok(Ok((Applied::Replaced, subject)));
        }
        return Ok(Err(Rejection::DoseNumberHeld {
            dose_number: same_day.dose_number,
            held_by: dose_id(same_day.id)?,
        }));
    }
    let previous = held
        .iter()
        .filter(|h| h.date < e.date)
        .max_by_key(|h| h.date);
    let number = previous.map_or(1, |p| p.dose_number + 1);
    if let Some(h) = held.iter().find(|h| h.dose_number == number) {
        return Ok(Err(Rejection::DoseNumberHeld {
            dose_number: number,
            held_by: dose_id(h.id)?,
        }));
    }
    let Ok(dose_number) = DoseNumber::new(number) else {
        return Ok(Err(Rejection::TooManyDoses));
    };
    if let Some(p) = previous {
        let earliest = earliest_dose_date(e.product, dose_number, p.date, e.date);
        if e.date < earliest {
            return Ok(Err(Rejection::TooSoon {
                previous: p.date,
                days: (e.date - p.date).num_days(),
                min_days: days_between(p.date, earliest),
                vaccine: e.product,
            }));
        }
    }
    let mut review = Vec::new();
    if e.ocr.dose_count() != number {
        review.push(format!(
            "the ticket is for dose {} but this is dose {number} of the person",
            e.ocr.dose_count()
        ));
    }
    if w.on_behalf {
        review.push(format!(
            "registered on behalf by {} (vaccinated in {})",
            w.by, w.vaccinating
        ));
    }
    if hot.first_use_of_lot(e.product.id(), e.lot.as_str(), &w.now)? {
        review.push(format!(
            "lot {} was not known for {} before",
            e.lot,
            e.product.id()
        ));
    }
    if number == 1 && e.product.booster_only() {
        review.push(format!(
            "{} is authorised as a booster only",
            e.product.id()
        ));
    }
    let age = {
        use chrono::Datelike;
        let mut a = e.date.year() - birth.year();
        if (e.date.month(), e.date.day()) < (birth.month(), birth.day()) {
            a -= 1;
        }
        a
    };
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
        number,
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
        number,
        e.product.id(),
        vrs_domain::age_band(age)
    ])?;
    Ok(Ok((
        Applied::New(Registered {
            dose_id: dose_id(id)?,
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
const CHUNK: usize = 1 << 16;

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
        let municipality = check_proof(allowed, Action::RegisterDose)?;
        if municipality != entry.ocr.municipality() {
            return Err(StoreError::WrongProof {
                expected: "the OCR line's municipality",
                got: "another partition",
            });
        }
        let w = Writer::new(allowed, municipality);
        let tx = self
            .conn
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
                ev.outcome = "rejected";
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
        let tx = self
            .conn
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
                            Ok(a)
                                if a.action() == Action::ImportDoses
                                    && a.partition() == Some(m) =>
                            {
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

    /// T1-5-1: every dose (also entered-in-error ones) of one person of the area.
    pub fn list_doses(
        &mut self,
        allowed: &Allowed,
        lookup: &Lookup,
    ) -> Result<Vec<Dose>, StoreError> {
        let municipality = check_proof(allowed, Action::ReadDoses)?;
        let m = municipality.as_u32();
        let tx = self.conn.transaction()?;
        let person: Option<(String, Vec<u8>)> = {
            let (sql, value): (&str, rusqlite::types::Value) = match lookup {
                Lookup::AddressNumber(a) => (
                    "SELECT address_number, my_number_index FROM residents WHERE municipality = ?1 AND address_number = ?2",
                    a.as_str().to_owned().into(),
                ),
                Lookup::TicketNumber(t) => (
                    "SELECT address_number, my_number_index FROM residents WHERE municipality = ?1 AND ticket_number = ?2",
                    (t.as_u64() as i64).into(),
                ),
                Lookup::MyNumber(n) => (
                    "SELECT address_number, my_number_index FROM residents WHERE municipality = ?1 AND my_number_index = ?2",
                    self.keys.blind_index(n, municipality)?.to_vec().into(),
                ),
            };
            tx.prepare_cached(sql)?
                .query_row(params![m, value], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
        };
        let mut doses = Vec::new();
        let mut subject = None;
        if let Some((address, index)) = &person {
            subject = index.as_slice().try_into().ok();
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {DOSE_COLS} FROM doses WHERE municipality = ?1 AND address_number = ?2
                 ORDER BY dose_number, id"
            ))?;
            let mut rows = stmt.query(params![m, address])?;
            while let Some(r) = rows.next()? {
                doses.push(read_dose(r)?);
            }
        }
        let detail = serde_json::json!({
            "by": match lookup { Lookup::AddressNumber(_) => "address_number", Lookup::TicketNumber(_) => "ticket_number", Lookup::MyNumber(_) => "my_number" },
            "found": person.is_some(),
            "doses": doses.len(),
        });
        audit::append(&tx, &self.keys, &event(allowed, subject, detail))?;
        tx.commit()?;
        Ok(doses)
    }

    fn load_for_change(
        tx: &Transaction<'_>,
        id: DoseId,
    ) -> Result<Option<(Dose, String)>, StoreError> {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {DOSE_COLS}, address_number FROM doses WHERE id = ?1 AND municipality = ?2"
        ))?;
        let mut rows = stmt.query(params![id.serial() as i64, id.municipality().as_u32()])?;
        match rows.next()? {
            None => Ok(None),
            Some(r) => Ok(Some((read_dose(r)?, r.get(AFTER)?))),
        }
    }

    /// Writes a new version of a dose after the checks of `change`.
    fn change_dose(
        &mut self,
        allowed: &Allowed,
        action: Action,
        id: DoseId,
        change: impl FnOnce(&Transaction<'_>, &Dose, &str) -> Result<Result<(), Rejection>, StoreError>,
        detail: serde_json::Value,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let municipality = check_proof(allowed, action)?;
        if id.municipality() != municipality {
            return Err(StoreError::WrongProof {
                expected: "the dose's partition",
                got: "another partition",
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let result = match Self::load_for_change(&tx, id)? {
            None => Err(Rejection::NotFound { dose_id: id }),
            Some((dose, _)) if dose.status == DoseStatus::EnteredInError => {
                Err(Rejection::Deleted { dose_id: id })
            }
            Some((dose, address)) => change(&tx, &dose, &address)?,
        };
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("dose_id".into(), id.to_string().into());
        }
        let answer = match result {
            Ok(()) => {
                let (dose, _) = Self::load_for_change(&tx, id)?
                    .ok_or_else(|| corrupt("changed dose vanished"))?;
                if let Some(map) = detail.as_object_mut() {
                    map.insert("version".into(), dose.version.into());
                }
                // Certificates follow the record: those showing this dose are revoked.
                let next_seq: i64 =
                    tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM audit_log", [], |r| {
                        r.get(0)
                    })?;
                let change = match action {
                    Action::DeleteDose => "deleted",
                    _ => "corrected",
                };
                let revoked = crate::issuance::revoke_certificates_showing(
                    &tx,
                    id.serial() as i64,
                    change,
                    &allowed.as_of().to_rfc3339(),
                    next_seq,
                )?;
                if let Some(map) = detail.as_object_mut() {
                    map.insert("revoked_certificates".into(), revoked.into());
                }
                audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
                Ok(dose)
            }
            Err(rejection) => {
                if let Some(map) = detail.as_object_mut() {
                    map.insert("rejected".into(), rejection.to_string().into());
                }
                let mut ev = event(allowed, None, detail);
                ev.outcome = "rejected";
                audit::append(&tx, &self.keys, &ev)?;
                Err(rejection)
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    /// T1-5-1: corrects a dose's facts with a reason; the previous version is kept.
    pub fn correct_dose(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
        correction: &Correction,
        reason: &str,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let by = allowed.principal().to_string();
        let now = allowed.as_of().to_rfc3339();
        let today = allowed.as_of().date_naive();
        let changed: Vec<&str> = [
            correction.date.map(|_| "date"),
            correction.vaccine.map(|_| "vaccine"),
            correction.lot.as_ref().map(|_| "lot"),
            correction.venue.as_ref().map(|_| "venue"),
            correction.doctor.as_ref().map(|_| "doctor"),
            correction.dose_number.map(|_| "dose_number"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let detail = serde_json::json!({ "fields": changed, "reason": reason });
        self.change_dose(
            allowed,
            Action::CorrectDose,
            id,
            |tx, dose, address| {
                let date = correction.date.unwrap_or(dose.date);
                let vaccine = correction.vaccine.unwrap_or(dose.vaccine);
                let lot = correction.lot.clone().unwrap_or_else(|| dose.lot.clone());
                let venue = correction.venue.clone().or_else(|| dose.venue.clone());
                let doctor = correction.doctor.clone().or_else(|| dose.doctor.clone());
                let number = correction.dose_number.unwrap_or(dose.dose_number);
                if date == dose.date
                    && vaccine == dose.vaccine
                    && lot == dose.lot
                    && venue == dose.venue
                    && doctor == dose.doctor
                    && number == dose.dose_number
                {
                    return Ok(Err(Rejection::NoChange));
                }
                if date > today {
                    return Ok(Err(Rejection::FutureDate { date, today }));
                }
                let birth: String = tx
                    .prepare_cached(
                        "SELECT birth_date FROM residents WHERE municipality = ?1 AND address_number = ?2",
                    )?
                    .query_row(params![id.municipality().as_u32(), address], |r| r.get(0))?;
                let birth: NaiveDate = parse(&birth)?;
                if date < birth {
                    return Ok(Err(Rejection::BeforeBirth { date }));
                }
                if date != dose.date || vaccine != dose.vaccine || number != dose.dose_number {
                    // The other active doses of the person must stay in date order
                    // around this one, and the product's interval must still hold.
                    let others: Vec<(i64, u8, String)> = tx
                        .prepare_cached(
                            "SELECT id, dose_number, date FROM doses
                             WHERE municipality = ?1 AND address_number = ?2
                               AND status = 'active' AND id <> ?3",
                        )?
                        .query_map(
                            params![id.municipality().as_u32(), address, id.serial() as i64],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )?
                        .collect::<Result<_, _>>()?;
                    let n = number.get();
                    let mut previous: Option<NaiveDate> = None;
                    for (other, number, other_date) in others {
                        let other_date: NaiveDate = parse(&other_date)?;
                        if number == n {
                            return Ok(Err(Rejection::DoseNumberHeld {
                                dose_number: n,
                                held_by: DoseId::new(id.municipality(), other as u64)
                                    .map_err(corrupt)?,
                            }));
                        }
                        let out_of_order = other_date == date
                            || (number < n && other_date > date)
                            || (number > n && other_date < date);
                        if out_of_order {
                            return Ok(Err(Rejection::OutOfOrder {
                                dose_number: n,
                                other: DoseId::new(id.municipality(), other as u64)
                                    .map_err(corrupt)?,
                                other_date,
                            }));
                        }
                        if number < n && previous.is_none_or(|p| other_date > p) {
                            previous = Some(other_date);
                        }
                    }
                    if let Some(p) = previous {
                        let earliest = earliest_dose_date(vaccine, number, p, date);
                        if date < earliest {
                            return Ok(Err(Rejection::TooSoon {
                                previous: p,
                                days: (date - p).num_days(),
                                min_days: days_between(p, earliest),
                                vaccine,
                            }));
                        }
                    }
                }
                let age = {
                    use chrono::Datelike;
                    let mut a = date.year() - birth.year();
                    if (date.month(), date.day()) < (birth.month(), birth.day()) {
                        a -= 1;
                    }
                    a
                };
                keep_version(tx, id.serial() as i64)?;
                count_dose(tx, id.serial() as i64, -1)?;
                tx.prepare_cached(
                    "UPDATE doses SET date = ?2, product = ?3, lot = ?4, venue = ?5, doctor = ?6,
                         age = ?7, version = version + 1, changed_at = ?8, changed_by = ?9,
                         change = 'corrected', reason = ?10, dose_number = ?11
                     WHERE id = ?1",
                )?
                .execute(params![
                    id.serial() as i64,
                    date.to_string(),
                    vaccine.id(),
                    lot.as_str(),
                    venue.as_ref().map(|v| v.as_str()),
                    doctor.as_ref().map(|d| d.as_str()),
                    age,
                    now,
                    by,
                    reason,
                    number.get()
                ])?;
                count_dose(tx, id.serial() as i64, 1)?;
                Ok(Ok(()))
            },
            detail,
        )
    }

    /// T1-5-1: marks a dose entered-in-error with a reason; nothing is erased.
    pub fn delete_dose(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
        reason: &str,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let by = allowed.principal().to_string();
        let now = allowed.as_of().to_rfc3339();
        self.change_dose(
            allowed,
            Action::DeleteDose,
            id,
            |tx, _, _| {
                keep_version(tx, id.serial() as i64)?;
                count_dose(tx, id.serial() as i64, -1)?;
                tx.prepare_cached(
                    "UPDATE doses SET status = 'entered_in_error', review = NULL,
                         version = version + 1, changed_at = ?2, changed_by = ?3,
                         change = 'deleted', reason = ?4
                     WHERE id = ?1",
                )?
                .execute(params![id.serial() as i64, now, by, reason])?;
                Ok(Ok(()))
            },
            serde_json::json!({ "reason": reason }),
        )
    }

    /// T1-5-1: confirms (locks) a checked dose and takes it off the review queue.
    /// Confirming a confirmed dose changes nothing.
    pub fn confirm_dose(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let by = allowed.principal().to_string();
        let now = allowed.as_of().to_rfc3339();
        self.change_dose(
            allowed,
            Action::ConfirmDose,
            id,
            |tx, dose, _| {
                if dose.confirmed {
                    return Ok(Ok(()));
                }
                keep_version(tx, id.serial() as i64)?;
                tx.prepare_cached(
                    "UPDATE doses SET confirmed = 1, review = NULL,
                         version = version + 1, changed_at = ?2, changed_by = ?3,
                         change = 'confirmed', reason = NULL
                     WHERE id = ?1",
                )?
                .execute(params![id.serial() as i64, now, by])?;
                Ok(Ok(()))
            },
            serde_json::json!({}),
        )
    }

    /// T1-5-1: every version of a dose, oldest first, with who, when and why.
    pub fn dose_history(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
    ) -> Result<Result<Vec<DoseVersion>, Rejection>, StoreError> {
        let municipality = check_proof(allowed, Action::ReadDoses)?;
        if id.municipality() != municipality {
            return Err(StoreError::WrongProof {
                expected: "the dose's partition",
                got: "another partition",
            });
        }
        let tx = self.conn.transaction()?;
        let mut versions = Vec::new();
        for sql in [
            "SELECT dose_id AS id, municipality, ticket_number, dose_number, date, product, lot,
                 venue, doctor, vaccinating_municipality, registered_at, registered_by,
                 on_behalf, status, confirmed, version, carried_from, original_dose_number,
                 change, changed_at, changed_by, reason
             FROM dose_history WHERE dose_id = ?1 AND municipality = ?2 ORDER BY version"
                .to_owned(),
            format!(
                "SELECT {DOSE_COLS}, change, changed_at, changed_by, reason
                 FROM doses WHERE id = ?1 AND municipality = ?2"
            ),
        ] {
            let mut stmt = tx.prepare(&sql)?;
            let mut rows = stmt.query(params![id.serial() as i64, municipality.as_u32()])?;
            while let Some(r) = rows.next()? {
                let dose = read_dose(r)?;
                versions.push(DoseVersion {
                    version: dose.version,
                    change: r.get(AFTER)?,
                    changed_at: r.get(AFTER + 1)?,
                    changed_by: r.get(AFTER + 2)?,
                    reason: r.get(AFTER + 3)?,
                    dose,
                });
            }
        }
        let answer = if versions.is_empty() {
            Err(Rejection::NotFound { dose_id: id })
        } else {
            Ok(versions)
        };
        let detail = serde_json::json!({ "dose_id": id, "history": true, "found": answer.is_ok() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(answer)
    }

    /// T1-5-1: the doses of the area flagged at entry for a human check.
    pub fn review_doses(&mut self, allowed: &Allowed) -> Result<Vec<ReviewItem>, StoreError> {
        let municipality = check_proof(allowed, Action::ReviewDoses)?;
        let tx = self.conn.transaction()?;
        let mut items = Vec::new();
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT {DOSE_COLS}, review FROM doses
                 WHERE municipality = ?1 AND review IS NOT NULL ORDER BY id"
            ))?;
            let mut rows = stmt.query([municipality.as_u32()])?;
            while let Some(r) = rows.next()? {
                let reasons: String = r.get(AFTER)?;
                items.push(ReviewItem {
                    dose: read_dose(r)?,
                    reasons: serde_json::from_str(&reasons).map_err(StoreError::json)?,
                });
            }
        }
        let detail = serde_json::json!({ "flagged": items.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(items)
    }

    /// T1-5-1: hands each active dose of the area (changed on or after `since`, if
    /// given) with its resident's address number to `sink`, in id order, and
    /// audits the export. An error from `sink` aborts the export unaudited.
    pub fn export_doses<E>(
        &mut self,
        allowed: &Allowed,
        since: Option<NaiveDate>,
        mut sink: impl FnMut(&AddressNumber, &Dose) -> Result<(), E>,
        detail: serde_json::Value,
    ) -> Result<Result<u64, E>, StoreError> {
        let municipality = check_proof(allowed, Action::ExportLedger)?;
        let tx = self.conn.transaction()?;
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let mut n = 0u64;
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT {DOSE_COLS}, address_number FROM doses
                 WHERE municipality = ?1 AND status = 'active' AND substr(changed_at, 1, 10) >= ?2
                 ORDER BY id"
            ))?;
            let mut rows = stmt.query(params![municipality.as_u32(), since])?;
            while let Some(r) = rows.next()? {
                let dose = read_dose(r)?;
                let address: AddressNumber = parse(&r.get::<_, String>(AFTER)?)?;
                if let Err(e) = sink(&address, &dose) {
                    return Ok(Err(e));
                }
                n += 1;
            }
        }
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("doses".into(), n.into());
        }
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(Ok(n))
    }

    /// T1-4-4, T1-4-6, P11-7: counts active doses grouped by `by` within `scope`
    /// and the date range, auditing the query. Cells are exact; suppression for
    /// the State and prefectures is applied by the caller from vrs-consent's rule.
    pub fn dose_statistics(
        &mut self,
        allowed: &Allowed,
        scope: StatScope,
        by: &[StatKey],
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        include: &dyn Fn(MunicipalityCode) -> bool,
    ) -> Result<Vec<StatRow>, StoreError> {
        if allowed.action() != Action::ViewStatistics {
            return Err(StoreError::WrongProof {
                expected: Action::ViewStatistics.as_str(),
                got: allowed.action().as_str(),
            });
        }
        let (lo, hi) = scope.bounds();
        // Grouped by municipality too, so that only the municipalities `include`
        // admits are summed; the cells are then merged in key order.
        let mut select = String::from("municipality");
        for k in by {
            select.push_str(", ");
            select.push_str(k.sql());
        }
        let group = (1..=by.len() + 1)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let tx = self.conn.transaction()?;
        let mut cells: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
        if by.is_empty() {
            cells.insert(Vec::new(), 0);
        }
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT {select}, sum(n) FROM dose_counts
                 WHERE municipality BETWEEN ?1 AND ?2 AND date >= ?3 AND date <= ?4
                 GROUP BY {group}"
            ))?;
            let from = from.map(|d| d.to_string()).unwrap_or_else(|| "0000".into());
            let to = to.map(|d| d.to_string()).unwrap_or_else(|| "9999".into());
            let mut rows = stmt.query(params![lo, hi, from, to])?;
            let mut admitted: HashMap<u32, bool> = HashMap::new();
            while let Some(r) = rows.next()? {
                let m: u32 = r.get(0)?;
                let ok = match admitted.get(&m) {
                    Some(ok) => *ok,
                    None => {
                        let ok = include(MunicipalityCode::from_u32(m).map_err(corrupt)?);
                        admitted.insert(m, ok);
                        ok
                    }
                };
                let count: i64 = r.get(by.len() + 1)?;
                if !ok || count <= 0 {
                    continue;
                }
                let key = (1..=by.len())
                    .map(|i| r.get::<_, String>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                *cells.entry(key).or_default() += count as u64;
            }
        }
        let out: Vec<StatRow> = cells
            .into_iter()
            .map(|(values, count)| StatRow {
                keys: by.iter().map(|k| k.name()).zip(values).collect(),
                count,
            })
            .collect();
        let detail = serde_json::json!({
            "by": by.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "cells": out.len(),
        });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(out)
    }

    /// T1-4-6: sets the minimum cell size of the State's and prefectures' statistics
    /// (the caller has checked the floor), auditing the change.
    pub fn set_statistics_min_cell(
        &mut self,
        allowed: &Allowed,
        size: u64,
    ) -> Result<(), StoreError> {
        if allowed.action() != Action::ConfigureStatistics {
            return Err(StoreError::WrongProof {
                expected: Action::ConfigureStatistics.as_str(),
                got: allowed.action().as_str(),
            });
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('statistics_min_cell', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [size.to_string()],
        )?;
        audit::append(
            &tx,
            &self.keys,
            &event(allowed, None, serde_json::json!({ "min_cell_size": size })),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The configured minimum cell size, if the operator set one.
    pub fn statistics_min_cell(&self) -> Result<Option<u64>, StoreError> {
        self.setting("statistics_min_cell")?
            .map(|v| v.parse().map_err(corrupt))
            .transpose()
    }
}
