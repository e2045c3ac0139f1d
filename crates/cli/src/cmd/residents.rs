//! `vrs residents import|show|count`: the resident registry of one municipality.

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::domain::{Principal, Resident, MASKED};
use vrs::{Answer, Encoding, MunicipalityCode};

use super::common::{open, parse_flag, refused};
use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum ResidentsCmd {
    /// Import a resident file (D12-1): all or nothing.
    Import(ImportArgs),
    /// Show one resident (My Number masked).
    Show(ShowArgs),
    /// Count a municipality's residents.
    Count(CountArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ImportArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
    /// The CSV file.
    file: PathBuf,
    /// Force the encoding (utf-8 or cp932) instead of detecting it.
    #[arg(long)]
    encoding: Option<String>,
    /// Check everything, change nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("lookup").required(true).args(["address_number", "ticket_number", "my_number", "my_number_stdin", "my_number_file"])))]
pub(crate) struct ShowArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
    /// Whose area to look in (default: the acting municipality's own).
    #[arg(long)]
    municipality: Option<String>,
    /// Look up by address number (宛名番号).
    #[arg(long)]
    address_number: Option<String>,
    /// Look up by vaccination ticket number.
    #[arg(long)]
    ticket_number: Option<String>,
    #[command(flatten)]
    my_number: super::common::MyNumberArgs,
}

#[derive(Args, Debug)]
pub(crate) struct CountArgs {
    /// Acting principal, e.g. municipality:131016.
    #[arg(long = "as")]
    principal: String,
    /// Whose area to count (default: the acting municipality's own).
    #[arg(long)]
    municipality: Option<String>,
}

pub(crate) fn run(cmd: ResidentsCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    match cmd {
        ResidentsCmd::Import(a) => import(a, ctx),
        ResidentsCmd::Show(a) => show(a, ctx),
        ResidentsCmd::Count(a) => count(a, ctx),
    }
}

fn import(args: ImportArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    let principal: Principal = parse_flag("as", &args.principal)?;
    let encoding: Option<Encoding> = args
        .encoding
        .as_deref()
        .map(|e| parse_flag("encoding", e))
        .transpose()?;
    let file =
        File::open(&args.file).map_err(|e| BadInput(format!("{}: {e}", args.file.display())))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(len).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let input = bar.wrap_read(file);
    let mut vrs = open(ctx)?;
    let answer = vrs.import_residents(principal, input, encoding, args.dry_run)?;
    bar.finish_and_clear();
    match answer {
        Answer::Refused(r) => refused(ctx, &r),
        Answer::Done(outcome) => {
            ctx.print(&serde_json::json!({
                "imported": if outcome.committed || args.dry_run { outcome.imported } else { 0 },
                "updated": if outcome.committed || args.dry_run { outcome.updated } else { 0 },
                "unchanged": outcome.unchanged,
                "dry_run": args.dry_run,
                "errors": outcome.errors,
            }))?;
            Ok(if outcome.errors.is_empty() {
                Exit::Ok
            } else {
                Exit::BadInput
            })
        }
    }
}

fn municipality_flag(value: &Option<String>) -> anyhow::Result<Option<MunicipalityCode>> {
    value
        .as_deref()
        .map(|m| super::common::municipality_arg("municipality", m))
        .transpose()
}

fn show(args: ShowArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    let principal: Principal = parse_flag("as", &args.principal)?;
    let municipality = municipality_flag(&args.municipality)?;
    let lookup = super::common::lookup(
        args.address_number.as_deref(),
        args.ticket_number.as_deref(),
        &args.my_number,
    )?;
    let mut vrs = open(ctx)?;
    match vrs.find_resident(principal, municipality, &lookup)? {
        Answer::Refused(r) => refused(ctx, &r),
        Answer::Done(None) => {
            ctx.print(&serde_json::json!({ "found": false }))?;
            Ok(Exit::Refused)
        }
        Answer::Done(Some(r)) => {
            ctx.print(&resident_json(&r))?;
            Ok(Exit::Ok)
        }
    }
}

/// A resident as JSON, with the My Number masked.
pub(crate) fn resident_json(r: &Resident) -> serde_json::Value {
    serde_json::json!({
        "municipality_code": r.municipality,
        "address_number": r.address_number,
        "ticket_number": r.ticket_number,
        "name": r.name,
        "name_kana": r.name_kana,
        "birth_date": r.birth_date,
        "sex": r.sex,
        "my_number": MASKED,
    })
}

fn count(args: CountArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    let principal: Principal = parse_flag("as", &args.principal)?;
    let municipality = municipality_flag(&args.municipality)?;
    let mut vrs = open(ctx)?;
    match vrs.count_residents(principal, municipality)? {
        Answer::Refused(r) => refused(ctx, &r),
        Answer::Done(n) => {
            ctx.print(&serde_json::json!({ "count": n }))?;
            Ok(Exit::Ok)
        }
    }
}
