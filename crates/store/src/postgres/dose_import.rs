//! The bulk dose upload on PostgreSQL, set-based: a handful of statements per
//! chunk of rows instead of four per row, with the same outcome, errors, ids,
//! history, counts and audit events as SQLite's `Store::import_doses`.
//!
//! Each chunk (the rows SQLite orders together: [`CHUNK`] rows sorted by residence
//! municipality and ticket) is handled in three steps, all in the upload's one
//! transaction:
//!
//! 1. **Load**: per area, one query locks the residents holding the chunk's
//!    tickets (`FOR UPDATE`, in address-number order, so concurrent uploads and
//!    registrations take them in one order) and one reads their active doses.
//! 2. **Decide** in memory, row by row in SQLite's order: vrs-domain's
//!    [`admission::admit_dose`] gets the same facts the row-by-row path would
//!    read (a dose admitted earlier in the chunk is held by the next row of the
//!    same person, under a pending id until the ids are drawn).
//! 3. **Write**: the chunk's ids drawn from `dose_id_seq` in one query (in the
//!    order the doses were admitted, as SQLite's rowids), the first uses of lots
//!    in one `INSERT … ON CONFLICT DO NOTHING RETURNING`, the new doses in one
//!    `INSERT … SELECT FROM unnest(…)`, the `dose_counts` deltas summed per cell
//!    in one upsert (cells in key order); re-uploads that replace a held dose
//!    (rare) then run row by row, in order, as in `super::doses`.
//!
//! A chunk is written even when an earlier row was refused, so that later chunks
//! see what SQLite's later rows see and the report names the same lines with the
//! same reasons; the transaction is then rolled back as a whole.

use std::collections::{HashMap, HashSet};

use postgres::types::Type;
use postgres::Transaction;
use vrs_consent::{Action, Refusal};
use vrs_domain::admission::{self, Admission, HeldDose, Rejection};
use vrs_domain::csv_input::RowError;
use vrs_domain::{BirthDate, DoseEntry, DoseId, DoseNumber, MunicipalityCode};

use super::area_statistics::{know_area, Loaded};
use super::doses::{code, count_dose, keep_version};
use super::{audit, Pg, Scope};
use crate::doses::{corrupt, parse, read_birth, Area, Authorize, DoseImportOutcome, Writer, CHUNK};
use crate::residents::event;
use crate::{Keyring, StoreError};

/// Serials of doses admitted in a chunk before their ids are drawn: far above
/// any value of the sequence (a `bigint`), and mapped to a drawn id before any
/// of them is written or reported.
const PENDING: u64 = 1 << 62;

/// One line of the upload as read.
type Row = (u64, Result<DoseEntry, Vec<RowError>>);

/// A resident the chunk names, as the admission rules see them.
struct Person {
    address: String,
    birth: Option<BirthDate>,
    /// Active doses in dose-number order, with this chunk's admissions.
    held: Vec<HeldDose>,
}

/// What the rules made of one row (owned: the person's doses change as the
/// chunk goes on).
enum Step {
    New { dose_number: DoseNumber, age: i32 },
    Existing,
    KeepConfirmed,
    Replace(DoseId),
}

/// A dose admitted as new in this chunk.
struct NewDose<'c> {
    slot: usize,
    entry: &'c DoseEntry,
    address: String,
    dose_number: DoseNumber,
    age: i32,
    /// Its lot is seen for the first time in this upload (it is new if the
    /// lot insert adds it).
    lot_candidate: bool,
}

/// A re-upload that replaces a held dose.
struct Replace<'c> {
    slot: usize,
    id: DoseId,
    entry: &'c DoseEntry,
}

/// The state one upload carries from chunk to chunk.
struct Upload<'a, 'b> {
    authorize: &'a mut Authorize<'b>,
    areas: Vec<Area>,
    refusals: Vec<Refusal>,
    out: DoseImportOutcome,
    /// `(product, lot)` pairs a new dose of this upload already used.
    lots: HashSet<(String, String)>,
}

impl Upload<'_, '_> {
    /// The slot of area `m`, its proof asked for when it first appears (as on SQLite).
    fn slot(&mut self, m: MunicipalityCode) -> Result<usize, StoreError> {
        if let Some(i) = self.areas.iter().position(|a| a.0 == m) {
            return Ok(i);
        }
        let proof = match (self.authorize)(m) {
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
                self.refusals.push(r);
                Err(text)
            }
        };
        self.areas.push((m, proof, [0; 5]));
        Ok(self.areas.len() - 1)
    }

    fn writer(&self, slot: usize) -> Result<&Writer, StoreError> {
        match &self.areas[slot].1 {
            Ok((_, w)) => Ok(w),
            Err(_) => Err(corrupt("a refused area has no writer")),
        }
    }

    /// Loads, decides and writes one chunk (sorted as SQLite sorts it).
    fn chunk(&mut self, tx: &mut Transaction<'_>, chunk: Vec<Row>) -> Result<(), StoreError> {
        // The rows' areas, asked for in the order the rows are taken.
        let mut good: Vec<(u64, DoseEntry, usize)> = Vec::with_capacity(chunk.len());
        for (line, row) in chunk {
            let entry = match row {
                Ok(e) => e,
                Err(mut errs) => {
                    self.out.errors.append(&mut errs);
                    continue;
                }
            };
            let slot = self.slot(entry.ocr.municipality())?;
            if let Err(text) = &self.areas[slot].1 {
                self.out.errors.push(RowError {
                    line,
                    column: "ocr_line".into(),
                    reason: text.clone(),
                });
                continue;
            }
            good.push((line, entry, slot));
        }
        let mut people = HashMap::new();
        let mut i = 0;
        while i < good.len() {
            // Rows are sorted by area: one load per area.
            let slot = good[i].2;
            let end = good[i..]
                .iter()
                .position(|g| g.2 != slot)
                .map_or(good.len(), |n| i + n);
            let mut tickets: Vec<i64> = good[i..end]
                .iter()
                .map(|g| g.1.ocr.ticket_number().as_u64() as i64)
                .collect();
            tickets.dedup();
            load_people(tx, self.areas[slot].0, &tickets, &mut people)?;
            i = end;
        }
        let mut fresh: Vec<NewDose<'_>> = Vec::new();
        let mut replaces: Vec<Replace<'_>> = Vec::new();
        let mut rejected: Vec<(u64, Rejection)> = Vec::new();
        for (line, entry, slot) in &good {
            let m = self.areas[*slot].0;
            let (today, on_behalf) = {
                let w = self.writer(*slot)?;
                (w.today, w.on_behalf)
            };
            let key = (m.as_u32(), entry.ocr.ticket_number().as_u64());
            let person = people.get_mut(&key);
            let (birth, held) = match &person {
                Some(p) => (p.birth, p.held.as_slice()),
                None => (None, &[][..]),
            };
            let step = match admission::admit_dose(entry, birth, held, today, true) {
                Ok(Admission::New { dose_number, age }) => Step::New { dose_number, age },
                Ok(Admission::Existing(_)) => Step::Existing,
                Ok(Admission::KeepConfirmed(_)) => Step::KeepConfirmed,
                Ok(Admission::Replace(same)) => Step::Replace(same.id),
                Err(rejection) => {
                    rejected.push((*line, rejection));
                    continue;
                }
            };
            let counts = &mut self.areas[*slot].2;
            match step {
                Step::Existing => {
                    counts[1] += 1;
                    self.out.existing += 1;
                }
                Step::KeepConfirmed => {
                    counts[3] += 1;
                    self.out.kept_confirmed += 1;
                }
                Step::Replace(id) => {
                    counts[2] += 1;
                    self.out.replaced += 1;
                    // The next row of the person sees the new product and lot.
                    if let Some(h) = person.and_then(|p| p.held.iter_mut().find(|h| h.id == id)) {
                        h.product = entry.product;
                        h.lot = entry.lot.clone();
                    }
                    replaces.push(Replace {
                        slot: *slot,
                        id,
                        entry,
                    });
                }
                Step::New { dose_number, age } => {
                    counts[0] += 1;
                    self.out.registered += 1;
                    if on_behalf {
                        self.out.on_behalf += 1;
                    }
                    let person =
                        person.ok_or_else(|| corrupt("a dose admitted for no resident"))?;
                    let id = DoseId::new(m, PENDING + fresh.len() as u64).map_err(corrupt)?;
                    let at = person
                        .held
                        .iter()
                        .position(|h| h.dose_number > dose_number)
                        .unwrap_or(person.held.len());
                    person.held.insert(
                        at,
                        HeldDose {
                            id,
                            dose_number,
                            date: entry.date,
                            product: entry.product,
                            lot: entry.lot.clone(),
                            confirmed: false,
                        },
                    );
                    let lot_candidate = self
                        .lots
                        .insert((entry.product.id().to_owned(), entry.lot.as_str().to_owned()));
                    fresh.push(NewDose {
                        slot: *slot,
                        entry,
                        address: person.address.clone(),
                        dose_number,
                        age,
                        lot_candidate,
                    });
                }
            }
        }
        let ids = draw_ids(tx, fresh.len())?;
        let real = |id: DoseId| -> Result<DoseId, StoreError> {
            match id.serial().checked_sub(PENDING) {
                Some(k) => DoseId::new(id.municipality(), ids[k as usize] as u64).map_err(corrupt),
                None => Ok(id),
            }
        };
        for (line, mut rejection) in rejected {
            if let Rejection::DoseNumberHeld { held_by, .. } = &mut rejection {
                *held_by = real(*held_by)?;
            }
            self.out.errors.push(RowError {
                line,
                column: rejection.column().into(),
                reason: rejection.to_string(),
            });
        }
        if !fresh.is_empty() {
            let new_lots = self.insert_lots(tx, &fresh)?;
            self.insert_doses(tx, &fresh, &ids, &new_lots)?;
            add_counts(tx, &self.areas, &fresh)?;
        }
        for r in replaces {
            let w = self.writer(r.slot)?;
            replace(tx, w, real(r.id)?, r.entry)?;
        }
        Ok(())
    }

    /// Adds the lots first used by this chunk's new doses; returns those added
    /// now (a lot another transaction added meanwhile is not new here).
    fn insert_lots(
        &self,
        tx: &mut Transaction<'_>,
        fresh: &[NewDose<'_>],
    ) -> Result<HashSet<(String, String)>, StoreError> {
        let (mut products, mut lots, mut first_seen) = (Vec::new(), Vec::new(), Vec::new());
        for d in fresh.iter().filter(|d| d.lot_candidate) {
            products.push(d.entry.product.id());
            lots.push(d.entry.lot.as_str());
            first_seen.push(self.writer(d.slot)?.now.as_str());
        }
        if products.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(tx
            .query_typed(
                "INSERT INTO lots (product, lot, first_seen)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                 ON CONFLICT (product, lot) DO NOTHING
                 RETURNING product, lot",
                &[
                    (&products, Type::TEXT_ARRAY),
                    (&lots, Type::TEXT_ARRAY),
                    (&first_seen, Type::TEXT_ARRAY),
                ],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    /// Inserts the chunk's new doses (version 1, `registered`) under their ids.
    fn insert_doses(
        &self,
        tx: &mut Transaction<'_>,
        fresh: &[NewDose<'_>],
        ids: &[i64],
        new_lots: &HashSet<(String, String)>,
    ) -> Result<(), StoreError> {
        let n = fresh.len();
        let mut municipality = Vec::with_capacity(n);
        let mut address = Vec::with_capacity(n);
        let mut ticket = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut count = Vec::with_capacity(n);
        let mut number = Vec::with_capacity(n);
        let mut date = Vec::with_capacity(n);
        let mut product = Vec::with_capacity(n);
        let mut lot = Vec::with_capacity(n);
        let mut venue = Vec::with_capacity(n);
        let mut doctor = Vec::with_capacity(n);
        let mut vaccinating = Vec::with_capacity(n);
        let mut age = Vec::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        let mut by = Vec::with_capacity(n);
        let mut on_behalf = Vec::with_capacity(n);
        let mut review = Vec::with_capacity(n);
        for d in fresh {
            let w = self.writer(d.slot)?;
            let e = d.entry;
            let new_lot = d.lot_candidate
                && new_lots.contains(&(e.product.id().to_owned(), e.lot.as_str().to_owned()));
            let behalf = w.on_behalf.then_some((w.principal, w.vaccinating));
            let reasons: Vec<String> = admission::review_reasons(e, d.dose_number, behalf, new_lot)
                .iter()
                .map(ToString::to_string)
                .collect();
            review.push(if reasons.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&reasons).map_err(StoreError::json)?)
            });
            municipality.push(code(w.municipality));
            address.push(d.address.as_str());
            ticket.push(e.ocr.ticket_number().as_u64() as i64);
            kind.push(i16::from(e.ocr.kind()));
            count.push(i16::from(e.ocr.dose_count()));
            number.push(i16::from(d.dose_number.get()));
            date.push(e.date.to_string());
            product.push(e.product.id());
            lot.push(e.lot.as_str());
            venue.push(e.venue.as_ref().map(|v| v.as_str()));
            doctor.push(e.doctor.as_ref().map(|v| v.as_str()));
            vaccinating.push(code(w.vaccinating));
            age.push(d.age);
            at.push(w.now.as_str());
            by.push(w.by.as_str());
            on_behalf.push(w.on_behalf);
        }
        let inserted = tx.execute_typed(
            "INSERT INTO doses (id, municipality, address_number, ticket_number, ticket_kind,
                 ticket_dose_count, dose_number, date, product, lot, venue, doctor,
                 vaccinating_municipality, age, registered_at, registered_by, on_behalf, status,
                 confirmed, review, version, changed_at, changed_by, change, reason)
             SELECT id, m, a, t, k, c, n, d, p, l, v, doc, vm, age, at, by, ob, 'active',
                 false, rv, 1, at, by, 'registered', NULL
             FROM unnest($1::int8[], $2::int4[], $3::text[], $4::int8[], $5::int2[],
                 $6::int2[], $7::int2[], $8::text[], $9::text[], $10::text[], $11::text[],
                 $12::text[], $13::int4[], $14::int4[], $15::text[], $16::text[], $17::bool[],
                 $18::text[])
                 AS u(id, m, a, t, k, c, n, d, p, l, v, doc, vm, age, at, by, ob, rv)",
            &[
                (&ids, Type::INT8_ARRAY),
                (&municipality, Type::INT4_ARRAY),
                (&address, Type::TEXT_ARRAY),
                (&ticket, Type::INT8_ARRAY),
                (&kind, Type::INT2_ARRAY),
                (&count, Type::INT2_ARRAY),
                (&number, Type::INT2_ARRAY),
                (&date, Type::TEXT_ARRAY),
                (&product, Type::TEXT_ARRAY),
                (&lot, Type::TEXT_ARRAY),
                (&venue, Type::TEXT_ARRAY),
                (&doctor, Type::TEXT_ARRAY),
                (&vaccinating, Type::INT4_ARRAY),
                (&age, Type::INT4_ARRAY),
                (&at, Type::TEXT_ARRAY),
                (&by, Type::TEXT_ARRAY),
                (&on_behalf, Type::BOOL_ARRAY),
                (&review, Type::TEXT_ARRAY),
            ],
        )?;
        if inserted != n as u64 {
            return Err(corrupt(format!("inserted {inserted} of {n} doses")));
        }
        Ok(())
    }
}

/// Locks the residents of area `m` holding `tickets` (in address-number order)
/// and reads their active doses into `people`, keyed by area and ticket.
fn load_people(
    tx: &mut Transaction<'_>,
    m: MunicipalityCode,
    tickets: &[i64],
    people: &mut HashMap<(u32, u64), Person>,
) -> Result<(), StoreError> {
    let area = code(m);
    let rows = tx.query_typed(
        "SELECT ticket_number, address_number, birth_date FROM residents
         WHERE municipality = $1 AND ticket_number = ANY($2)
         ORDER BY address_number FOR UPDATE",
        &[(&area, Type::INT4), (&tickets, Type::INT8_ARRAY)],
    )?;
    let mut by_address: HashMap<String, (u32, u64)> = HashMap::with_capacity(rows.len());
    let mut addresses: Vec<&str> = Vec::with_capacity(rows.len());
    for r in &rows {
        let key = (m.as_u32(), r.get::<_, i64>(0) as u64);
        let address: &str = r.get(1);
        addresses.push(address);
        by_address.insert(address.to_owned(), key);
        people.insert(
            key,
            Person {
                address: address.to_owned(),
                birth: read_birth(Some(r.get(2)))?,
                held: Vec::new(),
            },
        );
    }
    if addresses.is_empty() {
        return Ok(());
    }
    for r in tx.query_typed(
        "SELECT address_number, id, dose_number, date, product, lot, confirmed FROM doses
         WHERE municipality = $1 AND address_number = ANY($2) AND status = 'active'
         ORDER BY address_number, dose_number, id",
        &[(&area, Type::INT4), (&addresses, Type::TEXT_ARRAY)],
    )? {
        let key = by_address
            .get(r.get::<_, &str>(0))
            .ok_or_else(|| corrupt("a dose of no resident loaded"))?;
        let person = people
            .get_mut(key)
            .ok_or_else(|| corrupt("a dose of no resident loaded"))?;
        person.held.push(HeldDose {
            id: DoseId::new(m, r.get::<_, i64>(1) as u64).map_err(corrupt)?,
            dose_number: DoseNumber::new(r.get::<_, i16>(2) as u8).map_err(corrupt)?,
            date: parse(r.get::<_, &str>(3))?,
            product: parse(r.get::<_, &str>(4))?,
            lot: parse(r.get::<_, &str>(5))?,
            confirmed: r.get(6),
        });
    }
    Ok(())
}

/// Draws `n` dose ids from the sequence, in ascending order (the order the
/// doses were admitted in takes them, as SQLite's rowids).
fn draw_ids(tx: &mut Transaction<'_>, n: usize) -> Result<Vec<i64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = tx
        .query_typed(
            "SELECT nextval('dose_id_seq') FROM generate_series(1, $1)",
            &[(&(n as i32), Type::INT4)],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    ids.sort_unstable();
    if ids.len() != n {
        return Err(corrupt(format!("drew {} dose ids of {n}", ids.len())));
    }
    Ok(ids)
}

/// Adds the chunk's new doses to `dose_counts`: one delta per cell, the cells in
/// key order (concurrent writers lock them in one order).
fn add_counts(
    tx: &mut Transaction<'_>,
    areas: &[Area],
    fresh: &[NewDose<'_>],
) -> Result<(), StoreError> {
    let mut cells: HashMap<(i32, String, i16, &str, &str), i64> = HashMap::new();
    for d in fresh {
        let m = code(areas[d.slot].0);
        let key = (
            m,
            d.entry.date.to_string(),
            i16::from(d.dose_number.get()),
            d.entry.product.id(),
            vrs_domain::age_band(d.age),
        );
        *cells.entry(key).or_default() += 1;
    }
    let mut cells: Vec<_> = cells.into_iter().collect();
    cells.sort_unstable();
    let (mut m, mut date, mut number, mut product, mut band, mut n) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for ((cm, cdate, cnumber, cproduct, cband), cn) in &cells {
        m.push(*cm);
        date.push(cdate.as_str());
        number.push(*cnumber);
        product.push(*cproduct);
        band.push(*cband);
        n.push(*cn);
    }
    tx.execute_typed(
        "INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
         SELECT * FROM unnest($1::int4[], $2::text[], $3::int2[], $4::text[], $5::text[],
             $6::int8[])
         ON CONFLICT (municipality, date, dose_number, product, age_band)
         DO UPDATE SET n = dose_counts.n + excluded.n",
        &[
            (&m, Type::INT4_ARRAY),
            (&date, Type::TEXT_ARRAY),
            (&number, Type::INT2_ARRAY),
            (&product, Type::TEXT_ARRAY),
            (&band, Type::TEXT_ARRAY),
            (&n, Type::INT8_ARRAY),
        ],
    )?;
    Ok(())
}

/// A re-upload of an unconfirmed dose with other facts: the version held goes
/// to the history and the dose takes the upload's product, lot, venue and
/// doctor as a new version (as SQLite's `apply_entry`).
fn replace(
    tx: &mut Transaction<'_>,
    w: &Writer,
    id: DoseId,
    e: &DoseEntry,
) -> Result<(), StoreError> {
    let serial = id.serial() as i64;
    keep_version(tx, w.municipality, serial)?;
    count_dose(tx, w.municipality, serial, -1)?;
    tx.execute(
        "UPDATE doses SET product = $3, lot = $4, venue = $5, doctor = $6,
             version = version + 1, changed_at = $7, changed_by = $8,
             change = 'reuploaded', reason = NULL
         WHERE municipality = $1 AND id = $2",
        &[
            &code(w.municipality),
            &serial,
            &e.product.id(),
            &e.lot.as_str(),
            &e.venue.as_ref().map(|v| v.as_str()),
            &e.doctor.as_ref().map(|d| d.as_str()),
            &w.now,
            &w.by,
        ],
    )?;
    count_dose(tx, w.municipality, serial, 1)?;
    Ok(())
}

impl Pg {
    /// [`crate::Store::import_doses`] on PostgreSQL: one transaction over every
    /// area the file touches (national scope; each area's proof is asked for as
    /// on SQLite), all or nothing, one audit event per area.
    pub(crate) fn import_doses<I>(
        &self,
        keys: &Keyring,
        rows: I,
        authorize: &mut Authorize<'_>,
        detail: serde_json::Value,
    ) -> Result<(DoseImportOutcome, Vec<Refusal>), StoreError>
    where
        I: IntoIterator<Item = Row>,
    {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let mut upload = Upload {
            authorize,
            areas: Vec::new(),
            refusals: Vec::new(),
            out: DoseImportOutcome::default(),
            lots: HashSet::new(),
        };
        // As on SQLite: rows are taken in chunks, each ordered by residence
        // municipality and ticket (stably: one person's rows keep their file
        // order), so both backends see the rows in the same order.
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut chunk: Vec<Row> = rows.by_ref().take(CHUNK).collect();
            chunk.sort_by_key(|(_, r)| {
                r.as_ref()
                    .ok()
                    .map(|e| (e.ocr.municipality(), e.ocr.ticket_number()))
            });
            upload.chunk(&mut tx, chunk)?;
        }
        let Upload {
            areas,
            refusals,
            mut out,
            ..
        } = upload;
        out.errors.sort_by_key(|e| e.line);
        if !out.errors.is_empty() {
            tx.rollback()?;
            let errors = std::mem::take(&mut out.errors);
            return Ok((
                DoseImportOutcome {
                    errors,
                    ..DoseImportOutcome::default()
                },
                refusals,
            ));
        }
        for (m, _, counts) in &areas {
            if counts[0] > 0 {
                know_area(&mut tx, Loaded::Doses, code(*m))?;
            }
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
                let ev = event(allowed, None, d);
                audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
            }
        }
        tx.commit()?;
        out.committed = true;
        Ok((out, refusals))
    }
}
