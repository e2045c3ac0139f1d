//! Doses on PostgreSQL: single registration and one person's doses, as
//! `crate::doses` does on SQLite (the bulk upload is `super::dose_import`). The
//! store loads the resident and the doses held, asks vrs-domain's admission rule
//! ([`admission::admit_dose`]) and persists what it admits; each use case
//! commits its own transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset};
use postgres::{Statement, Transaction};
use vrs_consent::{Action, Allowed};
use vrs_domain::admission::{self, Admission, HeldDose, Rejection};
use vrs_domain::{Dose, DoseEntry, DoseId, DoseNumber, DoseStatus, MunicipalityCode, TicketNumber};

use super::{audit, Pg, Scope};
use crate::doses::{
    corrupt, parse, read_birth, Applied, Registered, Subject, Writer, AGE_BAND_SQL, DOSE_COLS,
};
use crate::residents::event;
use crate::{Keyring, Lookup, StoreError};

/// A municipality code as the schema holds it.
pub(crate) fn code(m: MunicipalityCode) -> i32 {
    m.as_u32() as i32
}

/// A municipality code read back.
pub(crate) fn municipality(v: i32) -> Result<MunicipalityCode, StoreError> {
    MunicipalityCode::from_u32(v as u32).map_err(corrupt)
}

/// Reads a dose from a row selected with [`DOSE_COLS`] (at offset 0).
pub(crate) fn read_dose(r: &postgres::Row) -> Result<Dose, StoreError> {
    let m = municipality(r.get(1))?;
    let venue: Option<String> = r.get(7);
    let doctor: Option<String> = r.get(8);
    let registered_at: String = r.get(10);
    Ok(Dose {
        id: DoseId::new(m, r.get::<_, i64>(0) as u64).map_err(corrupt)?,
        ticket_number: TicketNumber::from_u64(r.get::<_, i64>(2) as u64).map_err(corrupt)?,
        dose_number: DoseNumber::new(r.get::<_, i16>(3) as u8).map_err(corrupt)?,
        date: parse(r.get::<_, &str>(4))?,
        vaccine: parse(r.get::<_, &str>(5))?,
        lot: parse(r.get::<_, &str>(6))?,
        venue: venue.as_deref().map(parse).transpose()?,
        doctor: doctor.as_deref().map(parse).transpose()?,
        vaccinating_municipality: municipality(r.get(9))?,
        registered_at: DateTime::<FixedOffset>::parse_from_rfc3339(&registered_at)
            .map_err(corrupt)?,
        registered_by: parse(r.get::<_, &str>(11))?,
        on_behalf: r.get(12),
        status: parse::<DoseStatus>(r.get::<_, &str>(13))?,
        confirmed: r.get(14),
        version: r.get::<_, i32>(15) as u32,
        carried_over: match (r.get::<_, Option<i32>>(16), r.get::<_, Option<i16>>(17)) {
            (Some(from), Some(n)) => Some(vrs_domain::CarriedOver {
                from: municipality(from)?,
                original_dose_number: DoseNumber::new(n as u8).map_err(corrupt)?,
            }),
            _ => None,
        },
    })
}

/// The held doses of rows selecting `id, dose_number, date, product, lot,
/// confirmed`, as the admission rules see them.
pub(crate) fn held_doses(
    rows: &[postgres::Row],
    m: MunicipalityCode,
) -> Result<Vec<HeldDose>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(HeldDose {
                id: DoseId::new(m, r.get::<_, i64>(0) as u64).map_err(corrupt)?,
                dose_number: DoseNumber::new(r.get::<_, i16>(1) as u8).map_err(corrupt)?,
                date: parse(r.get::<_, &str>(2))?,
                product: parse(r.get::<_, &str>(3))?,
                lot: parse(r.get::<_, &str>(4))?,
                confirmed: r.get(5),
            })
        })
        .collect()
}

/// Adds `delta` to the statistics cell of dose `id` as it stands now, if it is
/// active and registered here (a carried-over dose is counted by its holder).
pub(crate) fn count_dose(
    tx: &mut Transaction<'_>,
    m: MunicipalityCode,
    id: i64,
    delta: i64,
) -> Result<(), StoreError> {
    tx.execute(
        &format!(
            "INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
             SELECT municipality, date, dose_number, product, {AGE_BAND_SQL}, $3
             FROM doses WHERE municipality = $1 AND id = $2 AND status = 'active'
                 AND carried_from IS NULL
             ON CONFLICT (municipality, date, dose_number, product, age_band)
             DO UPDATE SET n = dose_counts.n + excluded.n"
        ),
        &[&code(m), &id, &delta],
    )?;
    Ok(())
}

/// Copies the current version of dose `id` into the history.
pub(crate) fn keep_version(
    tx: &mut Transaction<'_>,
    m: MunicipalityCode,
    id: i64,
) -> Result<(), StoreError> {
    tx.execute(
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
         FROM doses WHERE municipality = $1 AND id = $2",
        &[&code(m), &id],
    )?;
    Ok(())
}

/// The statements every registered row runs, prepared once per transaction,
/// and the lots already seen in it.
struct Hot {
    resident: Statement,
    held: Statement,
    insert: Statement,
    lot: Statement,
    count: Statement,
    lots: HashMap<String, HashSet<String>>,
}

impl Hot {
    fn new(tx: &mut Transaction<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            // The resident's row is locked: one person's registrations take
            // their dose numbers one after the other.
            resident: tx.prepare(
                "SELECT address_number, birth_date, my_number_index FROM residents
                 WHERE municipality = $1 AND ticket_number = $2 FOR UPDATE",
            )?,
            held: tx.prepare(
                "SELECT id, dose_number, date, product, lot, confirmed FROM doses
                 WHERE municipality = $1 AND address_number = $2 AND status = 'active'
                 ORDER BY dose_number",
            )?,
            insert: tx.prepare(
                "INSERT INTO doses (municipality, address_number, ticket_number, ticket_kind,
                     ticket_dose_count, dose_number, date, product, lot, venue, doctor,
                     vaccinating_municipality, age, registered_at, registered_by, on_behalf, status,
                     confirmed, review, version, changed_at, changed_by, change, reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     'active', false, $17, 1, $14, $15, 'registered', NULL)
                 RETURNING id",
            )?,
            lot: tx.prepare(
                "INSERT INTO lots (product, lot, first_seen) VALUES ($1, $2, $3)
                 ON CONFLICT (product, lot) DO NOTHING",
            )?,
            count: tx.prepare(
                "INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
                 VALUES ($1, $2, $3, $4, $5, 1)
                 ON CONFLICT (municipality, date, dose_number, product, age_band)
                 DO UPDATE SET n = dose_counts.n + 1",
            )?,
            lots: HashMap::new(),
        })
    }

    /// Whether a lot is seen for the first time for a product (and remembers it).
    fn first_use_of_lot(
        &mut self,
        tx: &mut Transaction<'_>,
        product: &str,
        lot: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        if self.lots.get(product).is_some_and(|l| l.contains(lot)) {
            return Ok(false);
        }
        let inserted = tx.execute(&self.lot, &[&product, &lot, &now])?;
        self.lots
            .entry(product.to_owned())
            .or_default()
            .insert(lot.to_owned());
        Ok(inserted == 1)
    }
}

/// Applies one entry in `tx`: loads the resident and the doses held, asks the
/// admission rule and persists what it admits (as SQLite's `apply_entry`).
fn apply_entry(
    tx: &mut Transaction<'_>,
    w: &Writer,
    e: &DoseEntry,
    reupload: bool,
    hot: &mut Hot,
) -> Result<Result<(Applied, Option<Subject>), Rejection>, StoreError> {
    let m = code(w.municipality);
    let ticket = e.ocr.ticket_number();
    let resident = tx.query_opt(&hot.resident, &[&m, &(ticket.as_u64() as i64)])?;
    // No resident holds the ticket: the rule refuses it (no birth date).
    let (address, birth, index) = match resident {
        Some(r) => (
            r.get::<_, String>(0),
            read_birth(Some(r.get(1)))?,
            r.get::<_, Vec<u8>>(2),
        ),
        None => (String::new(), None, Vec::new()),
    };
    let held = if birth.is_some() {
        held_doses(&tx.query(&hot.held, &[&m, &address])?, w.municipality)?
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
            keep_version(tx, w.municipality, id)?;
            count_dose(tx, w.municipality, id, -1)?;
            tx.execute(
                "UPDATE doses SET product = $3, lot = $4, venue = $5, doctor = $6,
                     version = version + 1, changed_at = $7, changed_by = $8,
                     change = 'reuploaded', reason = NULL
                 WHERE municipality = $1 AND id = $2",
                &[
                    &m,
                    &id,
                    &e.product.id(),
                    &e.lot.as_str(),
                    &e.venue.as_ref().map(|v| v.as_str()),
                    &e.doctor.as_ref().map(|d| d.as_str()),
                    &w.now,
                    &w.by,
                ],
            )?;
            count_dose(tx, w.municipality, id, 1)?;
            return Ok(Ok((Applied::Replaced, subject)));
        }
    };
    let new_lot = hot.first_use_of_lot(tx, e.product.id(), e.lot.as_str(), &w.now)?;
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
    let number = i16::from(dose_number.get());
    let id: i64 = tx
        .query_one(
            &hot.insert,
            &[
                &m,
                &address,
                &(ticket.as_u64() as i64),
                &i16::from(e.ocr.kind()),
                &i16::from(e.ocr.dose_count()),
                &number,
                &date,
                &e.product.id(),
                &e.lot.as_str(),
                &e.venue.as_ref().map(|v| v.as_str()),
                &e.doctor.as_ref().map(|d| d.as_str()),
                &code(w.vaccinating),
                &age,
                &w.now,
                &w.by,
                &w.on_behalf,
                &review_json,
            ],
        )?
        .get(0);
    tx.execute(
        &hot.count,
        &[
            &m,
            &date,
            &number,
            &e.product.id(),
            &vrs_domain::age_band(age),
        ],
    )?;
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

impl Pg {
    /// [`crate::Store::register_dose`] on PostgreSQL.
    pub(crate) fn register_dose(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        municipality: MunicipalityCode,
        entry: &DoseEntry,
    ) -> Result<Result<Registered, Rejection>, StoreError> {
        let w = Writer::new(allowed, municipality);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let mut hot = Hot::new(&mut tx)?;
        let answer = match apply_entry(&mut tx, &w, entry, false, &mut hot)? {
            Ok((Applied::New(r) | Applied::Existing(r), subject)) => {
                let detail = serde_json::json!({
                    "dose_id": r.dose_id, "dose_number": r.dose_number,
                    "on_behalf": r.on_behalf, "existing": r.existing, "review": r.review,
                });
                let ev = event(allowed, subject, detail);
                audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
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
                audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
                Err(rejection)
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    /// [`crate::Store::list_doses`] on PostgreSQL.
    pub(crate) fn list_doses(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        lookup: &Lookup,
    ) -> Result<Vec<Dose>, StoreError> {
        let municipality = allowed.partition_for(Action::ReadDoses)?;
        let m = code(municipality);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        const PERSON: &str =
            "SELECT address_number, my_number_index FROM residents WHERE municipality = $1 AND ";
        let person = match lookup {
            Lookup::AddressNumber(a) => {
                tx.query_opt(&format!("{PERSON} address_number = $2"), &[&m, &a.as_str()])?
            }
            Lookup::TicketNumber(t) => tx.query_opt(
                &format!("{PERSON} ticket_number = $2"),
                &[&m, &(t.as_u64() as i64)],
            )?,
            Lookup::MyNumber(n) => tx.query_opt(
                &format!("{PERSON} my_number_index = $2"),
                &[&m, &keys.blind_index(n, municipality)?.as_slice()],
            )?,
        };
        let mut doses = Vec::new();
        let mut subject = None;
        if let Some(p) = &person {
            let address: &str = p.get(0);
            let index: &[u8] = p.get(1);
            subject = index.try_into().ok();
            for r in tx.query(
                &format!(
                    "SELECT {DOSE_COLS} FROM doses WHERE municipality = $1 AND address_number = $2
                     ORDER BY dose_number, id"
                ),
                &[&m, &address],
            )? {
                doses.push(read_dose(&r)?);
            }
        }
        let detail = serde_json::json!({
            "by": match lookup { Lookup::AddressNumber(_) => "address_number", Lookup::TicketNumber(_) => "ticket_number", Lookup::MyNumber(_) => "my_number" },
            "found": person.is_some(),
            "doses": doses.len(),
        });
        let ev = event(allowed, subject, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(doses)
    }
}
