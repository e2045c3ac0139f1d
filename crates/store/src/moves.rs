//! A person who moves: where a resident lived before (the inquiry's fact), the
//! answered doses carried over into the new municipality's area, and the
//! residents whose next ticket is due.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use crate::group::Transaction;
use serde::Serialize;
use vrs_consent::{
    latest_previous_dose_possibly_due, ticket_due_on, Action, Allowed, CarryOver, HeldDose,
    Residence,
};
use vrs_domain::{
    AddressNumber, BirthDate, DoseId, DoseNumber, MunicipalityCode, MyNumber, Principal,
    TicketNumber,
};

use crate::audit;
use crate::inquiry::InquiryDose;
use crate::residents::event;
use crate::{Store, StoreError};

/// What became of one answered dose when the answer was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// The number the holder gave the dose.
    pub original_dose_number: DoseNumber,
    /// Its date (JSON: YYYY-MM-DD).
    pub date: NaiveDate,
    /// Added (with its number), already held, or a conflict to correct.
    #[serde(flatten)]
    pub outcome: CarryOver,
    /// The new dose's id, when added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose_id: Option<DoseId>,
}

/// How many of `recorded` were added.
pub(crate) fn added(recorded: &[Recorded]) -> usize {
    recorded
        .iter()
        .filter(|r| matches!(r.outcome, CarryOver::Add { .. }))
        .count()
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: format!("moves: {what}"),
    }
}

/// Stores the answered doses in the asking municipality's area as carried-over
/// doses, in the inquiry's transaction (its audit events are written in it too).
/// Each dose's fate is the rules' (`vrs_consent::carry_over`).
pub(crate) fn carry_over(
    tx: &Transaction<'_>,
    allowed: &Allowed,
    holder: MunicipalityCode,
    index: &[u8; 32],
    doses: &[InquiryDose],
) -> Result<Vec<Recorded>, StoreError> {
    let Principal::Municipality(asking) = allowed.principal() else {
        return Err(StoreError::WrongProof {
            expected: "an inquiry by a municipality",
            got: "another principal",
        });
    };
    let m = asking.as_u32();
    let person: Option<(String, i64, String)> = tx
        .prepare_cached(
            "SELECT address_number, ticket_number, birth_date FROM residents
             WHERE municipality = ?1 AND my_number_index = ?2",
        )?
        .query_row(params![m, index.as_slice()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    // The rules allowed the inquiry only about a resident of the asking municipality.
    let (address, ticket, birth) =
        person.ok_or_else(|| corrupt("inquiry subject is no resident"))?;
    let birth: vrs_domain::BirthDate = birth.parse().map_err(corrupt)?;
    let mut held: Vec<HeldDose> = tx
        .prepare_cached(
            "SELECT dose_number, date FROM doses
             WHERE municipality = ?1 AND address_number = ?2 AND status = 'active'",
        )?
        .query_map(params![m, address], |r| {
            Ok((r.get::<_, u8>(0)?, r.get::<_, String>(1)?))
        })?
        .map(|row| {
            let (n, date) = row?;
            Ok(HeldDose {
                dose_number: DoseNumber::new(n).map_err(corrupt)?,
                date: date.parse().map_err(corrupt)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let now = allowed.as_of().to_rfc3339();
    let by = allowed.principal().to_string();
    let reason = format!("carried over from {holder}'s answer to an inquiry");
    let mut out = Vec::with_capacity(doses.len());
    for d in doses {
        let (number, date) = (d.dose_number, d.date);
        let outcome = vrs_consent::carry_over(&held, number, date);
        let mut dose_id = None;
        if let CarryOver::Add { dose_number } = outcome {
            let vaccinating = d.vaccinating_municipality.as_u32();
            let age = birth.age_on(date);
            tx.prepare_cached(
                "INSERT INTO doses (municipality, address_number, ticket_number, ticket_kind,
                     ticket_dose_count, dose_number, date, product, lot, venue, doctor,
                     vaccinating_municipality, age, registered_at, registered_by, on_behalf,
                     status, confirmed, review, version, changed_at, changed_by, change, reason,
                     carried_from, original_dose_number)
                 VALUES (?1, ?2, ?3, 0, ?4, ?4, ?5, ?6, ?7, NULL, NULL, ?8, ?9, ?10, ?11, 0,
                     'active', 1, NULL, 1, ?10, ?11, 'carried_over', ?12, ?13, ?14)",
            )?
            .execute(params![
                m,
                address,
                ticket,
                dose_number.get(),
                d.date.to_string(),
                d.product.id(),
                d.lot.as_str(),
                vaccinating,
                age,
                now,
                by,
                reason,
                holder.as_u32(),
                d.dose_number.get(),
            ])?;
            let id = tx.last_insert_rowid();
            dose_id = Some(DoseId::new(asking, id as u64).map_err(corrupt)?);
            held.push(HeldDose { dose_number, date });
        }
        out.push(Recorded {
            original_dose_number: d.dose_number,
            date: d.date,
            outcome,
            dose_id,
        });
    }
    Ok(out)
}

/// One resident whose ticket for the next dose is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketDue {
    /// The resident's address number (宛名番号).
    pub address_number: AddressNumber,
    /// The resident's ticket number (接種券番号).
    pub ticket_number: TicketNumber,
    /// The date of the previous dose (registered here or carried over).
    pub last_dose_date: NaiveDate,
    /// The day the ticket fell due.
    pub due_on: NaiveDate,
}

impl Store {
    /// The inquiry's fact about its subject: where the person lives according to
    /// `asking`'s resident records (`None` when not its resident). Read only to
    /// decide the inquiry, whose decision and outcome are audited on both sides.
    pub fn residence(
        &self,
        asking: MunicipalityCode,
        n: &MyNumber,
    ) -> Result<Option<Residence>, StoreError> {
        let row: Option<(Option<u32>, Option<String>)> =
            backend!(self, pg => pg.residence(&self.keys, asking, n))
                .prepare_cached(
                    "SELECT previous_municipality, moved_in_on FROM residents
                 WHERE municipality = ?1 AND my_number_index = ?2",
                )?
                .query_row(
                    params![
                        asking.as_u32(),
                        self.keys.blind_index(n, asking)?.as_slice()
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
        row.map(|(previous, moved)| {
            Ok(Residence {
                municipality: asking,
                previous_municipality: previous
                    .map(MunicipalityCode::from_u32)
                    .transpose()
                    .map_err(corrupt)?,
                moved_in_on: moved.map(|d| d.parse()).transpose().map_err(corrupt)?,
            })
        })
        .transpose()
    }

    /// L13: the residents of the area whose ticket for dose `dose` is due on `on`:
    /// they hold dose `dose - 1` (their own or carried over) and no later dose, and
    /// the rules' `ticket_due_on` says the ticket fell due. Audited with the count.
    pub fn tickets_due(
        &mut self,
        allowed: &Allowed,
        dose: DoseNumber,
        on: NaiveDate,
    ) -> Result<Vec<TicketDue>, StoreError> {
        let municipality = allowed.partition_for(Action::ListTicketsDue)?;
        let tx = backend!(mut self, pg => pg.tickets_due(&self.keys, allowed, dose, on))
            .transaction()?;
        let mut out = Vec::new();
        // People whose previous dose is later than this are not due (the rules' bound).
        let bound = latest_previous_dose_possibly_due(dose, on);
        if let (true, Some(bound)) = (dose.get() > 1, bound) {
            let mut stmt = tx.prepare_cached(
                "SELECT r.address_number, r.ticket_number, r.birth_date, d.date
                 FROM doses d
                 JOIN residents r ON r.municipality = d.municipality
                     AND r.address_number = d.address_number
                 WHERE d.municipality = ?1 AND d.dose_number = ?2 AND d.status = 'active'
                   AND d.date <= ?3
                   AND NOT EXISTS (
                     SELECT 1 FROM doses l
                     WHERE l.municipality = d.municipality AND l.address_number = d.address_number
                       AND l.dose_number > ?2 AND l.status = 'active')
                 ORDER BY d.address_number",
            )?;
            let mut rows = stmt.query(params![
                municipality.as_u32(),
                dose.get() - 1,
                bound.to_string()
            ])?;
            while let Some(r) = rows.next()? {
                let birth: BirthDate = BirthDate::from_date(
                    r.get_ref(2)?
                        .as_str()
                        .map_err(corrupt)?
                        .parse()
                        .map_err(corrupt)?,
                )
                .map_err(corrupt)?;
                let last: NaiveDate = r
                    .get_ref(3)?
                    .as_str()
                    .map_err(corrupt)?
                    .parse()
                    .map_err(corrupt)?;
                if let Some(due_on) = ticket_due_on(dose, last, birth, on) {
                    out.push(TicketDue {
                        address_number: r
                            .get_ref(0)?
                            .as_str()
                            .map_err(corrupt)?
                            .parse()
                            .map_err(corrupt)?,
                        ticket_number: TicketNumber::from_u64(r.get::<_, i64>(1)? as u64)
                            .map_err(corrupt)?,
                        last_dose_date: last,
                        due_on,
                    });
                }
            }
        }
        let detail = serde_json::json!({ "dose": dose, "on": on, "due": out.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(out)
    }
}
