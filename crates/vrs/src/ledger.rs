//! The ledger export (予防接種台帳向け出力, T1-5-1): the file's writer, shared by
//! the one-step export of the CLI ([`Vrs::export_ledger`]: read and audit event
//! in one writer transaction) and the server's three steps, which keep a large
//! export off the one writer so no other request waits behind it:
//!
//! 1. [`Vrs::grant_ledger`] (writer): the rules decide; a refusal is audited.
//! 2. [`Vrs::read_ledger`] (a read-only connection, `&self`): the file is
//!    written from one consistent snapshot of the area's doses.
//! 3. [`Vrs::record_ledger`] (writer): the rules decide again (an emergency
//!    stop or a consent revoked meanwhile refuses) and the export's audit
//!    event, with the number of doses, is written in that transaction.
//!
//! Only after step 3 is durable may the file leave the service: every export
//! handed out is audited, and one that is not handed out may be audited too
//! (never the reverse).

use std::io::Write;
use std::path::Path;

use vrs_consent::{Action, Allowed};
use vrs_domain::ledger::{encode, LedgerRow, LEDGER_HEADER};
use vrs_domain::{AddressNumber, Dose, Principal};
use vrs_store::StoreError;

use crate::{target, Answer, Encoding, ExportOptions, ExportReport, Vrs, VrsError};

/// A ledger export the rules allowed ([`Vrs::grant_ledger`]): what
/// [`Vrs::read_ledger`] reads with and [`Vrs::record_ledger`] records.
#[derive(Debug, Clone)]
pub struct LedgerGrant {
    principal: Principal,
    allowed: Allowed,
    options: ExportOptions,
}

/// One ledger line per dose, handed to the file.
pub(crate) type Sink<'a> = dyn FnMut(&AddressNumber, &Dose) -> Result<(), VrsError> + 'a;

pub(crate) fn enc_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "utf-8",
        Encoding::Cp932 => "cp932",
    }
}

/// The audit event's detail of an export (the dose count is added by the store
/// or by [`Vrs::record_ledger`]).
pub(crate) fn detail(options: &ExportOptions) -> serde_json::Value {
    serde_json::json!({
        "since": options.since,
        "encoding": enc_name(options.encoding),
        "with_address_number": options.with_address_number,
    })
}

/// Writes the ledger file at `out` (a fresh temporary file moved into place
/// when complete) from the doses `read` hands to its sink.
pub(crate) fn write_file(
    out: &Path,
    options: ExportOptions,
    read: impl FnOnce(&mut Sink<'_>) -> Result<Result<u64, VrsError>, StoreError>,
) -> Result<ExportReport, VrsError> {
    let io = |e: std::io::Error| VrsError::Io {
        path: out.to_owned(),
        source: e,
    };
    let mut output = vrs_store::OutputFile::create(out, options.replace, &[])?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, output.file()?);
    let enc = options.encoding;
    let header = encode(LEDGER_HEADER, enc).map_err(|source| VrsError::Unencodable {
        dose_id: None,
        source,
    })?;
    w.write_all(&header).map_err(io)?;
    let mut line = String::with_capacity(256);
    let mut sink = |address: &AddressNumber, dose: &Dose| -> Result<(), VrsError> {
        line.clear();
        LedgerRow {
            address_number: options.with_address_number.then_some(address),
            registered_at: dose.registered_at,
            date: dose.date,
            ticket_number: dose.ticket_number,
            vaccinating_municipality: dose.vaccinating_municipality,
            venue: dose.venue.as_ref(),
            doctor: dose.doctor.as_ref(),
            vaccine: dose.vaccine,
            lot: &dose.lot,
        }
        .write_to(&mut line);
        let bytes = encode(&line, enc).map_err(|source| VrsError::Unencodable {
            dose_id: Some(dose.id),
            source,
        })?;
        w.write_all(&bytes).map_err(io)
    };
    let result = read(&mut sink)?;
    let finish = result.and_then(|n| {
        w.flush().map_err(io)?;
        Ok(n)
    });
    // On an error the temporary file is removed when `output` drops.
    let doses = finish?;
    drop(w);
    output.commit()?;
    let bytes = std::fs::metadata(out).map_err(io)?.len();
    Ok(ExportReport {
        path: out.to_owned(),
        doses,
        encoding: enc_name(enc),
        bytes,
    })
}

impl Vrs {
    /// Step 1 of a served ledger export: the rules decide whether `principal`
    /// may export its area's ledger (a refusal is audited, as every refusal).
    pub fn grant_ledger(
        &mut self,
        principal: Principal,
        options: ExportOptions,
    ) -> Result<Answer<LedgerGrant>, VrsError> {
        match self.decide(
            principal,
            Action::ExportLedger,
            target(principal, None),
            None,
        )? {
            Ok(allowed) => Ok(Answer::Done(LedgerGrant {
                principal,
                allowed,
                options,
            })),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// Step 2: writes the granted ledger to `out` from one snapshot, writing
    /// nothing to the database: runs on a read-only facade
    /// ([`Vrs::open_reader`], [`crate::SharedVrs::read`]). Hand nothing out
    /// before [`Vrs::record_ledger`] answers.
    pub fn read_ledger(&self, grant: &LedgerGrant, out: &Path) -> Result<ExportReport, VrsError> {
        write_file(out, grant.options, |sink| {
            self.store
                .read_ledger(&grant.allowed, grant.options.since, sink)
        })
    }

    /// Step 3: decides again as the grant's principal (refused if, e.g., an
    /// emergency stop began meanwhile: then hand nothing out) and records the
    /// export, with its number of doses, as its audit event in the same
    /// transaction.
    pub fn record_ledger(
        &mut self,
        grant: LedgerGrant,
        report: ExportReport,
    ) -> Result<Answer<ExportReport>, VrsError> {
        let principal = grant.principal;
        let allowed = match self.decide(
            principal,
            Action::ExportLedger,
            target(principal, None),
            None,
        )? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let mut detail = detail(&grant.options);
        if let Some(map) = detail.as_object_mut() {
            map.insert("doses".into(), report.doses.into());
        }
        self.store.audit_ledger_export(&allowed, detail)?;
        Ok(Answer::Done(report))
    }
}
