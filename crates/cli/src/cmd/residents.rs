//! `vrs residents import|show|count`: the resident registry of one municipality.

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::domain::{Principal, Resident, MASKED};
use vrs::{Encoding, MunicipalityCode};

use super::common::{answer, open, parse_flag};
use crate::output::{count as plural, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

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

pub(crate) fn run(cmd: ResidentsCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        ResidentsCmd::Import(a) => import(a, ctx),
        ResidentsCmd::Show(a) => show(a, ctx),
        ResidentsCmd::Count(a) => count(a, ctx),
    }
}

/// What an import did (people) beside its JSON.
struct Imported {
    imported: u64,
    updated: u64,
    unchanged: u64,
    dry_run: bool,
    errors: Vec<vrs::domain::csv_input::RowError>,
}

impl Human for Imported {
    fn human(&self, doc: &mut Doc) {
        if !self.errors.is_empty() {
            doc.line(format!(
                "{}: {}; nothing was imported",
                doc.bad("error"),
                plural(self.errors.len() as u64, "bad value", "bad values")
            ));
            row_errors(doc, &self.errors);
            return;
        }
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        doc.line(format!(
            "{verb} {} new, {} updated, {} unchanged{}",
            self.imported,
            self.updated,
            self.unchanged,
            if self.dry_run {
                " (dry run: nothing was changed)"
            } else {
                ""
            }
        ));
    }
}

/// Every bad row of a file: line, column, reason.
pub(crate) fn row_errors(doc: &mut Doc, errors: &[vrs::domain::csv_input::RowError]) {
    doc.table(
        &["line", "column", "reason"],
        errors
            .iter()
            .map(|e| {
                vec![
                    e.line.to_string(),
                    if e.column.is_empty() {
                        "-".into()
                    } else {
                        e.column.clone()
                    },
                    e.reason.clone(),
                ]
            })
            .collect(),
    );
}

fn import(args: ImportArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
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
    let outcome = vrs.import_residents(principal, input, encoding, args.dry_run)?;
    bar.finish_and_clear();
    Ok(answer(outcome, |outcome| {
        let kept = outcome.committed || args.dry_run;
        let human = Imported {
            imported: if kept { outcome.imported } else { 0 },
            updated: if kept { outcome.updated } else { 0 },
            unchanged: outcome.unchanged,
            dry_run: args.dry_run,
            errors: outcome.errors.clone(),
        };
        let json = vrs::views::import_json(&outcome, args.dry_run);
        if human.errors.is_empty() {
            Reply::ok(Shaped::new(json, human))
        } else {
            Reply::bad_input(Shaped::new(json, human))
        }
    }))
}

fn municipality_flag(value: &Option<String>) -> anyhow::Result<Option<MunicipalityCode>> {
    value
        .as_deref()
        .map(|m| super::common::municipality_arg("municipality", m))
        .transpose()
}

/// `residents show` when no resident matches: exit 1.
struct NotFound;

impl Human for NotFound {
    fn human(&self, doc: &mut Doc) {
        doc.line("no resident matches in this area");
    }
}

/// A resident for people: the My Number masked.
struct ResidentView(Resident);

impl Human for ResidentView {
    fn human(&self, doc: &mut Doc) {
        let r = &self.0;
        doc.fields(&[
            ("name", r.name.to_string()),
            ("kana", r.name_kana.to_string()),
            ("birth date", r.birth_date.to_string()),
            ("sex", r.sex.to_string()),
            (
                "municipality",
                format!("{} {}", r.municipality, r.municipality.info().name),
            ),
            ("address number", r.address_number.to_string()),
            ("ticket number", r.ticket_number.to_string()),
            ("My Number", format!("{MASKED} (masked)")),
        ]);
    }
}

fn show(args: ShowArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &args.principal)?;
    let municipality = municipality_flag(&args.municipality)?;
    let lookup = super::common::lookup(
        args.address_number.as_deref(),
        args.ticket_number.as_deref(),
        &args.my_number,
    )?;
    let mut vrs = open(ctx)?;
    Ok(answer(
        vrs.find_resident(principal, municipality, &lookup)?,
        |found| match found {
            None => Reply::exit(
                Shaped::new(serde_json::json!({ "found": false }), NotFound),
                crate::Exit::Refused,
            ),
            Some(r) => Reply::ok(Shaped::new(resident_json(&r), ResidentView(r))),
        },
    ))
}

/// A resident as JSON, with the My Number masked (the shape the server answers too).
pub(crate) fn resident_json(r: &Resident) -> serde_json::Value {
    vrs::views::resident_json(r)
}

/// How many residents an area holds.
struct Count(u64, MunicipalityCode);

impl Human for Count {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{} {} holds {}",
            self.1,
            self.1.info().name,
            plural(self.0, "resident", "residents")
        ));
    }
}

fn count(args: CountArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &args.principal)?;
    let municipality = municipality_flag(&args.municipality)?;
    let mut vrs = open(ctx)?;
    let area = municipality.or(match principal {
        Principal::Municipality(m) => Some(m),
        _ => None,
    });
    Ok(answer(vrs.count_residents(principal, municipality)?, |n| {
        let json = serde_json::json!({ "count": n });
        match area {
            Some(m) => Reply::ok(Shaped::new(json, Count(n, m))),
            None => Reply::ok(Shaped::new(json, CountOnly(n))),
        }
    }))
}

/// A count whose area the principal does not name.
struct CountOnly(u64);

impl Human for CountOnly {
    fn human(&self, doc: &mut Doc) {
        doc.line(plural(self.0, "resident", "residents"));
    }
}
