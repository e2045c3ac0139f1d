//! `vrs inquiry` and `vrs inquiry batch`: ask a holding municipality for a
//! person's records (D12-3, T1-3-1-5, T2-1-1, N-4, L13).

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::domain::my_number_file::write_results;
use vrs::domain::{MunicipalityCode, MyNumber, Principal};
use vrs::{Answer, BatchInquiry, InquiryAnswer, InquiryOptions};

use super::common::{open, output_error, parse_flag, refused};
use crate::output::{cite_all, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct InquiryArgs {
    #[command(flatten)]
    one: Option<OneArgs>,
    #[command(subcommand)]
    batch: Option<InquiryCmd>,
}

#[derive(Args, Debug)]
pub(crate) struct OneArgs {
    /// The asking municipality, municipality:CODE.
    #[arg(long = "as")]
    principal: String,
    /// The holding municipality's code.
    #[arg(long)]
    holder: String,
    // Spelled out, not flattened: clap does not see flattened arguments of an
    // `Option<OneArgs>` and would drop the whole group.
    /// The My Number (visible in `ps` and shell history: prefer --my-number-stdin or --my-number-file).
    #[arg(long, conflicts_with_all = ["my_number_stdin", "my_number_file"])]
    my_number: Option<String>,
    /// Read the My Number from standard input (its first line) instead of --my-number.
    #[arg(long, conflicts_with = "my_number_file")]
    my_number_stdin: bool,
    /// Read the My Number from this file (its first line) instead of --my-number.
    #[arg(long, value_name = "FILE")]
    my_number_file: Option<PathBuf>,
    /// The asking municipality confirmed the person's consent (the checkbox, N-4).
    #[arg(long)]
    personal_consent: bool,
    /// Why: vaccination-ticket, certificate or record-correction (any other is refused, M-9).
    #[arg(long, default_value = "vaccination-ticket")]
    purpose: String,
    /// Store the answered doses as the person's carried-over doses (D12-3).
    #[arg(long)]
    record: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum InquiryCmd {
    /// Ask about many persons: a CSV with a my_number (個人番号) column; all or nothing.
    Batch {
        /// The asking municipality, municipality:CODE.
        #[arg(long = "as")]
        principal: String,
        /// The holding municipality's code.
        #[arg(long)]
        holder: String,
        /// The CSV of My Numbers.
        file: PathBuf,
        /// Where to write the result CSV (default: FILE with .result.csv); never FILE itself.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing --out file.
        #[arg(long)]
        force: bool,
        /// The asking municipality confirmed every person's consent.
        #[arg(long)]
        personal_consent: bool,
        /// Why: vaccination-ticket, certificate or record-correction (any other is refused, M-9).
        #[arg(long, default_value = "vaccination-ticket")]
        purpose: String,
        /// Store every answered dose as carried-over doses (D12-3).
        #[arg(long)]
        record: bool,
    },
}

fn holder(value: &str) -> anyhow::Result<MunicipalityCode> {
    super::common::municipality_arg("holder", value)
}

pub(crate) fn run(args: InquiryArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    match (args.one, args.batch) {
        (
            _,
            Some(InquiryCmd::Batch {
                principal,
                holder: h,
                file,
                out,
                personal_consent,
                purpose,
                force,
                record,
            }),
        ) => {
            let principal: Principal = parse_flag("as", &principal)?;
            let h = holder(&h)?;
            let input =
                File::open(&file).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
            let out = out.unwrap_or_else(|| file.with_extension("result.csv"));
            // Checked before asking: an unusable --out asks nobody.
            let mut output = vrs::OutputFile::create(&out, force, &[&file])
                .map_err(|e| output_error("out", e))?;
            let mut vrs = open(ctx)?;
            let options = InquiryOptions {
                personal_consent,
                purpose: &purpose,
                record,
            };
            match vrs.inquire_batch(principal, h, input, options)? {
                Answer::Refused(r) => Ok(refused(r)),
                Answer::Done(BatchInquiry::BadInput(errors)) => Ok(Reply::bad_input(Shaped::new(
                    serde_json::json!({ "asked": 0, "errors": errors }),
                    BadRows(errors),
                ))),
                Answer::Done(BatchInquiry::Answered(answers)) => {
                    let found = answers.iter().filter(|(_, a)| a.found).count();
                    let basis = answers
                        .first()
                        .map(|(_, a)| a.legal_basis.clone())
                        .unwrap_or_default();
                    let rows = answers.iter().map(|(at, a)| {
                        let doses = a
                            .doses
                            .iter()
                            .map(|d| {
                                [
                                    d.dose_number.to_string(),
                                    d.date.to_string(),
                                    d.product.id().to_owned(),
                                    d.lot.to_string(),
                                    d.vaccinating_municipality.to_string(),
                                ]
                            })
                            .collect();
                        (*at, a.found, doses)
                    });
                    write_results(std::io::BufWriter::new(output.file()?), rows)?;
                    output.commit()?;
                    let carried: usize = answers
                        .iter()
                        .filter_map(|(_, a)| a.recorded.as_ref())
                        .map(|r| r.iter().filter(|x| x.dose_id.is_some()).count())
                        .sum();
                    let json = serde_json::json!({
                        "asked": answers.len(),
                        "found": found,
                        "carried_over": carried,
                        "legal_basis": basis,
                        "out": out.display().to_string(),
                        "errors": [],
                    });
                    let human = Batch {
                        asked: answers.len(),
                        found,
                        carried,
                        basis,
                        out,
                    };
                    Ok(Reply::ok(Shaped::new(json, human)))
                }
            }
        }
        (Some(one), None) => {
            let principal: Principal = parse_flag("as", &one.principal)?;
            let h = holder(&one.holder)?;
            let source = super::common::MyNumberArgs {
                my_number: one.my_number,
                my_number_stdin: one.my_number_stdin,
                my_number_file: one.my_number_file,
            };
            let Some(n): Option<MyNumber> = source.read()? else {
                return Err(BadInput(
                    "give --my-number, --my-number-stdin or --my-number-file".into(),
                )
                .into());
            };
            let mut vrs = open(ctx)?;
            let options = InquiryOptions {
                personal_consent: one.personal_consent,
                purpose: &one.purpose,
                record: one.record,
            };
            Ok(super::common::answer(
                vrs.inquire(principal, h, &n, options)?,
                |answer| Reply::ok(One { holder: h, answer }),
            ))
        }
        (None, None) => {
            Err(BadInput("give --as, --holder and --my-number, or `batch`".into()).into())
        }
    }
}

/// One inquiry's answer, with whom it was asked of.
struct One {
    holder: MunicipalityCode,
    answer: InquiryAnswer,
}

impl serde::Serialize for One {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.answer.serialize(s)
    }
}

impl Human for One {
    fn human(&self, doc: &mut Doc) {
        let holder = format!("{} {}", self.holder, self.holder.info().name);
        if !self.answer.found {
            doc.line(format!("{holder} holds no resident with this My Number"));
            return;
        }
        doc.line(format!(
            "{holder} holds this person: {} (legal basis {})",
            crate::output::count(self.answer.doses.len() as u64, "dose", "doses"),
            cite_all(&self.answer.legal_basis)
        ));
        doc.table(
            &["no.", "date", "vaccine", "lot", "vaccinated in"],
            self.answer
                .doses
                .iter()
                .map(|d| {
                    vec![
                        d.dose_number.to_string(),
                        d.date.to_string(),
                        d.product.id().to_owned(),
                        d.lot.to_string(),
                        d.vaccinating_municipality.to_string(),
                    ]
                })
                .collect(),
        );
        if let Some(recorded) = &self.answer.recorded {
            doc.line("recorded in the asking municipality's records (D12-3):");
            doc.table(
                &["no.", "date", "outcome", "dose id"],
                recorded
                    .iter()
                    .map(|r| {
                        let outcome = match r.outcome {
                            vrs::consent::CarryOver::Add { dose_number } => {
                                format!("carried over as dose {dose_number}")
                            }
                            vrs::consent::CarryOver::AlreadyHeld => "already held".to_owned(),
                            vrs::consent::CarryOver::Conflict {
                                with_dose_number,
                                with_date,
                            } => format!(
                                "conflict with dose {with_dose_number} of {with_date}: correct it (T1-5-1)"
                            ),
                        };
                        vec![
                            r.original_dose_number.to_string(),
                            r.date.to_string(),
                            outcome,
                            crate::output::or_dash(r.dose_id),
                        ]
                    })
                    .collect(),
            );
        }
    }
}

/// A batch inquiry's summary (the answers are in the result file).
struct Batch {
    asked: usize,
    found: usize,
    carried: usize,
    basis: Vec<String>,
    out: PathBuf,
}

impl Human for Batch {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "asked about {} persons, {} found (legal basis {}); the answers are in {}",
            self.asked,
            self.found,
            cite_all(&self.basis),
            self.out.display()
        ));
        if self.carried > 0 {
            doc.line(format!(
                "{} carried over into the asking municipality's records (D12-3)",
                crate::output::count(self.carried as u64, "dose", "doses")
            ));
        }
    }
}

/// Every bad row of the My Number file (no My Number is echoed).
struct BadRows(Vec<vrs::domain::csv_input::RowError>);

impl Human for BadRows {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{}: {}; nobody was asked about",
            doc.bad("error"),
            crate::output::count(self.0.len() as u64, "bad value", "bad values")
        ));
        super::residents::row_errors(doc, &self.0);
    }
}
