//! `vrs doses register|import|list|correct|delete|confirm|history|review|export`:
//! vaccination records (D12-2, T1-3-1-6, T1-5-1).

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::domain::{parse_dose_date, DoseEntry, DoseId, Principal};
use vrs::{Answer, Correction, Encoding, ExportOptions, Rejection, VrsError};

use super::common::{answer, open, parse_flag};
use super::doses_view::Rejected;
use crate::output::{Human, Reply};
use crate::{BadInput, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum DosesCmd {
    /// Register one dose from a ticket's OCR line (D12-2; on behalf: T1-3-1-6).
    Register(RegisterArgs),
    /// Register a CSV file of doses, all or nothing.
    Import(ImportArgs),
    /// List one resident's doses (holding municipality only, T1-5-1).
    List(ListArgs),
    /// Correct a dose; the previous version is kept (T1-5-1).
    Correct(CorrectArgs),
    /// Mark a dose entered-in-error; nothing is erased (T1-5-1).
    Delete(DeleteArgs),
    /// Confirm (lock) a checked dose against later bulk uploads (T1-5-1).
    Confirm(DoseArgs),
    /// Every version of a dose with who, when and why (T1-5-1).
    History(DoseArgs),
    /// The doses flagged at entry for a human check.
    Review(AsArgs),
    /// Write the ledger export ("予防接種台帳向け出力").
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub(crate) struct AsArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
}

#[derive(Args, Debug)]
pub(crate) struct RegisterArgs {
    /// Acting principal, e.g. site:131016.
    #[arg(long = "as")]
    principal: String,
    /// The ticket's 18-digit OCR line.
    #[arg(long)]
    ocr_line: String,
    /// Vaccine: catalog id or CVX code (see `vrs vaccines list`).
    #[arg(long)]
    vaccine: String,
    /// Lot number.
    #[arg(long)]
    lot: String,
    /// Vaccination date, YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// Venue (≤ 30 characters).
    #[arg(long)]
    venue: Option<String>,
    /// Doctor (≤ 20 characters).
    #[arg(long)]
    doctor: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct ImportArgs {
    /// Acting principal, e.g. site:131016.
    #[arg(long = "as")]
    principal: String,
    /// The CSV file (ocr_line|OCRライン, vaccine|ワクチン, lot|ロット番号, date|接種日, [venue|接種会場], [doctor|接種医師]).
    file: PathBuf,
    /// Force the encoding (utf-8 or cp932) instead of detecting it.
    #[arg(long)]
    encoding: Option<String>,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("lookup").required(true).args(["address_number", "ticket_number", "my_number", "my_number_stdin", "my_number_file"])))]
pub(crate) struct ListArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
    /// By address number (宛名番号).
    #[arg(long)]
    address_number: Option<String>,
    /// By vaccination ticket number.
    #[arg(long)]
    ticket_number: Option<String>,
    #[command(flatten)]
    my_number: super::common::MyNumberArgs,
}

#[derive(Args, Debug)]
pub(crate) struct DoseArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
    /// The dose id, e.g. 131016-42.
    #[arg(long)]
    dose: String,
}

#[derive(Args, Debug)]
pub(crate) struct CorrectArgs {
    #[command(flatten)]
    dose: DoseArgs,
    /// New dose number (1-9), e.g. for a carried-over dose that clashed (T1-5-1).
    #[arg(long)]
    dose_number: Option<String>,
    /// New vaccination date.
    #[arg(long)]
    date: Option<String>,
    /// New vaccine (catalog id or CVX code).
    #[arg(long)]
    vaccine: Option<String>,
    /// New lot number.
    #[arg(long)]
    lot: Option<String>,
    /// New venue.
    #[arg(long)]
    venue: Option<String>,
    /// New doctor.
    #[arg(long)]
    doctor: Option<String>,
    /// Why (kept in the history).
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub(crate) struct DeleteArgs {
    #[command(flatten)]
    dose: DoseArgs,
    /// Why (kept in the history).
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
    /// The file to write (a new file; see --force).
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing --out file.
    #[arg(long)]
    force: bool,
    /// Only doses registered or changed on or after this date.
    #[arg(long)]
    since: Option<String>,
    /// utf-8 (default) or cp932.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Fill the address number column (VRS leaves it blank).
    #[arg(long)]
    with_address_number: bool,
}

pub(crate) fn run(cmd: DosesCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        DosesCmd::Register(a) => register(a, ctx),
        DosesCmd::Import(a) => import(a, ctx),
        DosesCmd::List(a) => list(a, ctx),
        DosesCmd::Correct(a) => correct(a, ctx),
        DosesCmd::Delete(a) => delete(a, ctx),
        DosesCmd::Confirm(a) => confirm(a, ctx),
        DosesCmd::History(a) => history(a, ctx),
        DosesCmd::Review(a) => review(a, ctx),
        DosesCmd::Export(a) => export(a, ctx),
    }
}

fn date_flag(flag: &str, value: &str) -> anyhow::Result<chrono::NaiveDate> {
    parse_dose_date(value).map_err(|e| BadInput(format!("--{flag}: {e}")).into())
}

fn register(a: RegisterArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let entry = DoseEntry {
        ocr: parse_flag("ocr-line", &a.ocr_line)?,
        product: parse_flag("vaccine", &a.vaccine)?,
        lot: parse_flag("lot", &a.lot)?,
        date: date_flag("date", &a.date)?,
        venue: a
            .venue
            .as_deref()
            .map(|v| parse_flag("venue", v))
            .transpose()?,
        doctor: a
            .doctor
            .as_deref()
            .map(|d| parse_flag("doctor", d))
            .transpose()?,
    };
    let mut vrs = open(ctx)?;
    report(vrs.register_dose(principal, &entry)?)
}

fn import(a: ImportArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let encoding: Option<Encoding> = a
        .encoding
        .as_deref()
        .map(|e| parse_flag("encoding", e))
        .transpose()?;
    let file = File::open(&a.file).map_err(|e| BadInput(format!("{}: {e}", a.file.display())))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(len).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let input = bar.wrap_read(file);
    let mut vrs = open(ctx)?;
    let outcome = vrs.import_doses(principal, input, encoding)?;
    bar.finish_and_clear();
    Ok(self::answer(outcome, |o| {
        if o.errors.is_empty() {
            Reply::ok(o)
        } else {
            Reply::bad_input(o)
        }
    }))
}

fn list(a: ListArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let lookup = super::common::lookup(
        a.address_number.as_deref(),
        a.ticket_number.as_deref(),
        &a.my_number,
    )?;
    let mut vrs = open(ctx)?;
    Ok(answer(vrs.list_doses(principal, &lookup)?, Reply::ok))
}

fn dose_id(a: &DoseArgs) -> anyhow::Result<(Principal, DoseId)> {
    Ok((
        parse_flag("as", &a.principal)?,
        parse_flag("dose", &a.dose)?,
    ))
}

fn correct(a: CorrectArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let (principal, id) = dose_id(&a.dose)?;
    let correction = Correction {
        date: a
            .date
            .as_deref()
            .map(|d| date_flag("date", d))
            .transpose()?,
        vaccine: a
            .vaccine
            .as_deref()
            .map(|v| parse_flag("vaccine", v))
            .transpose()?,
        lot: a.lot.as_deref().map(|l| parse_flag("lot", l)).transpose()?,
        venue: a
            .venue
            .as_deref()
            .map(|v| parse_flag("venue", v))
            .transpose()?,
        doctor: a
            .doctor
            .as_deref()
            .map(|d| parse_flag("doctor", d))
            .transpose()?,
        dose_number: a
            .dose_number
            .as_deref()
            .map(|n| parse_flag("dose-number", n))
            .transpose()?,
    };
    if a.reason.trim().is_empty() {
        return Err(BadInput("--reason: empty".into()).into());
    }
    let mut vrs = open(ctx)?;
    report(vrs.correct_dose(principal, id, &correction, a.reason.trim())?)
}

fn delete(a: DeleteArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let (principal, id) = dose_id(&a.dose)?;
    if a.reason.trim().is_empty() {
        return Err(BadInput("--reason: empty".into()).into());
    }
    let mut vrs = open(ctx)?;
    report(vrs.delete_dose(principal, id, a.reason.trim())?)
}

fn confirm(a: DoseArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let (principal, id) = dose_id(&a)?;
    let mut vrs = open(ctx)?;
    report(vrs.confirm_dose(principal, id)?)
}

fn history(a: DoseArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let (principal, id) = dose_id(&a)?;
    let mut vrs = open(ctx)?;
    report(vrs.dose_history(principal, id)?)
}

fn review(a: AsArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let mut vrs = open(ctx)?;
    Ok(answer(vrs.review_doses(principal)?, Reply::ok))
}

fn export(a: ExportArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let options = ExportOptions {
        since: a
            .since
            .as_deref()
            .map(|d| date_flag("since", d))
            .transpose()?,
        encoding: parse_flag("encoding", &a.encoding)?,
        with_address_number: a.with_address_number,
        replace: a.force,
    };
    let mut vrs = open(ctx)?;
    match vrs.export_ledger(principal, &a.out, options) {
        Ok(a) => Ok(answer(a, Reply::ok)),
        Err(e @ VrsError::Unencodable { .. }) => Err(BadInput(e.to_string()).into()),
        Err(e) => Err(super::common::vrs_error("out", e)),
    }
}

/// A use case's answer: the value (exit 0), a rejection at entry, or a refusal (exit 1).
fn report<T: serde::Serialize + Human + 'static>(
    answer: Answer<Result<T, Rejection>>,
) -> anyhow::Result<Reply> {
    Ok(self::answer(answer, |done| match done {
        Ok(value) => Reply::ok(value),
        Err(r) => Reply::refused(Rejected(r)),
    }))
}
