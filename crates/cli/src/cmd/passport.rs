//! `vrs passport parse LINE1 LINE2 [--repair] [--on DATE]`: read a TD3 passport MRZ.

use chrono::{NaiveDate, TimeDelta, Utc};
use clap::Subcommand;
use vrs_identity::mrz::{read_td3, MrzOptions};

use crate::output::{or_dash, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum PassportCmd {
    /// Parse and check a passport MRZ (two lines of 44 characters). Exit 0 valid, 1 not.
    Parse {
        /// First MRZ line (P<ISSNAME<<GIVEN<<<...).
        line1: String,
        /// Second MRZ line (number, nationality, dates, check digits).
        line2: String,
        /// Repair classic OCR confusions (O/0, I/1, S/5, B/8, Z/2 by field type);
        /// a repair is accepted only if every check digit then passes.
        #[arg(long)]
        repair: bool,
        /// Also require the passport to be unexpired on DATE (YYYY-MM-DD, A10-4-7);
        /// DATE is also the "today" that resolves the birth century.
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
}

/// Today in Japan time (UTC+9).
fn today_jst() -> NaiveDate {
    (Utc::now().naive_utc() + TimeDelta::hours(9)).date()
}

pub(crate) fn run(cmd: PassportCmd, _ctx: &Ctx) -> anyhow::Result<Reply> {
    let PassportCmd::Parse {
        line1,
        line2,
        repair,
        on,
    } = cmd;
    let on = on
        .map(|s| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| BadInput(format!("--on: {s:?} is not a date YYYY-MM-DD")))
        })
        .transpose()?;
    let options = MrzOptions::new(on.unwrap_or_else(today_jst))
        .repair(repair)
        .require_unexpired(on.is_some());
    let r = read_td3(&line1, &line2, &options);
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let json = serde_json::json!({
        "document_code": r.document_code,
        "issuing_state": r.issuing_state,
        "surname": r.surname,
        "given_names": r.given_names,
        "document_number": r.document_number,
        "nationality": r.nationality,
        "birth_date": date(r.birth_date),
        "sex": r.sex,
        "expiry_date": date(r.expiry_date),
        "optional_data": r.optional_data,
        "valid": r.is_valid(),
        "errors": r.faults.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "warnings": r.warnings.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
        "repaired": r.repaired.as_ref().map(|(a, b)| [a, b]),
    });
    let human = Mrz {
        valid: r.is_valid(),
        fields: vec![
            ("surname", text(&r.surname)),
            ("given names", text(&r.given_names)),
            ("passport number", text(&r.document_number)),
            ("nationality", text(&r.nationality)),
            ("issuing state", text(&r.issuing_state)),
            ("birth date", or_dash(date(r.birth_date))),
            ("sex", text(&r.sex)),
            ("expiry date", or_dash(date(r.expiry_date))),
        ],
        errors: r.faults.iter().map(|f| f.as_str().to_owned()).collect(),
        warnings: r.warnings.iter().map(|w| w.as_str().to_owned()).collect(),
        repaired: r.repaired.is_some(),
    };
    let exit = if r.is_valid() {
        Exit::Ok
    } else {
        Exit::Refused
    };
    Ok(Reply::exit(Shaped::new(json, human), exit))
}

/// A field as read, `-` when empty.
fn text(t: &str) -> String {
    if t.is_empty() {
        "-".into()
    } else {
        t.to_owned()
    }
}

/// The MRZ as read, for people.
struct Mrz {
    valid: bool,
    fields: Vec<(&'static str, String)>,
    errors: Vec<String>,
    warnings: Vec<String>,
    repaired: bool,
}

impl Human for Mrz {
    fn human(&self, doc: &mut Doc) {
        doc.line(if self.valid {
            format!(
                "{}: every check digit passes{}",
                doc.good("valid"),
                if self.repaired {
                    " after repairing OCR confusions"
                } else {
                    ""
                }
            )
        } else {
            format!("{}: {}", doc.bad("not valid"), self.errors.join(", "))
        });
        doc.fields(&self.fields);
        for w in &self.warnings {
            doc.line(format!("warning: {w}"));
        }
    }
}
