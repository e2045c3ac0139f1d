//! `vrs demo [--dir DIR]`: runs everything vrs can do so far on a fresh data
//! directory and says what it did.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use vrs::consent::{DocumentId, Function};
use vrs::domain::MyNumber;
use vrs::{Answer, Encoding, InquiryOptions, Lookup, SystemClock, Vrs};

use crate::output::{cite_all, Doc, Human, Reply};
use crate::{BadInput, Ctx, Exit};

/// Synthetic residents of 千代田区 (UTF-8) and 札幌市 (CP932), made by
/// `cargo xtask fixtures population` (see fixtures/demo/README.md).
const CHIYODA: &[u8] = include_bytes!("../../../../fixtures/demo/residents-131016.csv");
const SAPPORO: &[u8] = include_bytes!("../../../../fixtures/demo/residents-011002.cp932.csv");

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Where to create the demo's data directory (default: a new temporary directory, kept).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// One line of narration (stdout, or stderr under `--json`).
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*)?
    };
}
pub(crate) use say;

fn step(out: &mut dyn Write, step: &str) -> std::io::Result<()> {
    writeln!(out, "\n== {step}")
}

/// What the demo did, after its narration: `{"data_dir", "valid"}` with `--json`.
struct Summary {
    dir: PathBuf,
    valid: bool,
}

impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::json!({ "data_dir": self.dir.display().to_string(), "valid": self.valid })
            .serialize(s)
    }
}

impl Human for Summary {
    fn human(&self, doc: &mut Doc) {
        doc.line("");
        doc.line(format!(
            "files: {} (vrs.sqlite, keyring.json, backup.sqlite)",
            self.dir.display()
        ));
        doc.line(format!(
            "try: vrs --data-dir {} audit search --limit 5",
            self.dir.display()
        ));
    }
}

pub(crate) fn run(args: DemoArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    // The narration is for people: with --json it goes to stderr and stdout
    // holds only the summary.
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let out: &mut dyn Write = if ctx.json { &mut stderr } else { &mut stdout };
    let dir = match args.dir {
        Some(d) => {
            if d.join(vrs::DB_FILE).exists() {
                return Err(BadInput(format!(
                    "{} already holds a database: give a fresh --dir",
                    d.display()
                ))
                .into());
            }
            d
        }
        None => {
            let base = std::env::temp_dir().join(format!(
                "vrs-demo-{}",
                chrono::Utc::now().format("%Y%m%d-%H%M%S-%f")
            ));
            vrs::create_private_dir(&base)?;
            base
        }
    };
    say!(out, "vrs demo: a fresh data directory at {}", dir.display());

    step(
        out,
        "1. init: keyring (mode 0600) and database with its migrations",
    )?;
    let init = Vrs::init(&dir, None, &SystemClock)?;
    say!(
        out,
        "created keyring: {}; schema version {}; issuer base URL {}",
        init.created_keyring,
        init.schema_version,
        init.issuer_base_url
    );
    let mut vrs = Vrs::open(&dir, Box::new(SystemClock))?;

    step(
        out,
        "2. consent function (N-2, T1-2-3): no use of VRS before consenting",
    )?;
    let chiyoda = "municipality:131016".parse()?;
    let sapporo = "municipality:011002".parse()?;
    if let Answer::Refused(r) = vrs.import_residents(chiyoda, CHIYODA, None, false)? {
        say!(out, "千代田区 imports before consenting: {r}");
    }
    if let Answer::Refused(r) = vrs.grant_consent(
        "operator".parse()?,
        Some("131016".parse()?),
        DocumentId::Terms20211203,
        None,
        None,
    )? {
        say!(out, "the operator tries to consent for 千代田区: {r}");
    }
    for (who, name, docs) in [
        (
            chiyoda,
            "千代田区",
            &[DocumentId::Terms20211203, DocumentId::Addendum20211203][..],
        ),
        (sapporo, "札幌市", &[DocumentId::Terms202103][..]),
    ] {
        for doc in docs {
            if let Answer::Done(v) = vrs.grant_consent(who, None, *doc, None, Some("demo 決裁"))?
            {
                say!(
                    out,
                    "{name} consents to {doc}: may use VRS = {}",
                    v.may_use_vrs
                );
            }
        }
    }

    step(out, "3. resident import (D12-1), all or nothing")?;
    for (who, name, bytes) in [
        (chiyoda, "千代田区 (UTF-8)", CHIYODA),
        (sapporo, "札幌市 (CP932, detected)", SAPPORO),
    ] {
        match vrs.import_residents(who, bytes, None, false)? {
            Answer::Done(o) => say!(
                out,
                "{name}: imported {}, updated {}, errors {}",
                o.imported,
                o.updated,
                o.errors.len()
            ),
            Answer::Refused(r) => say!(out, "{name}: {r}"),
        }
    }
    let bad = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n\
               131016,Z1,123456789010,0000099999,山田 太郎,ヤマダ タロウ,平成元年1月7日,1\n";
    if let Answer::Done(o) =
        vrs.import_residents(chiyoda, bad.as_bytes(), Some(Encoding::Utf8), false)?
    {
        say!(out, "a file with a bad check digit and a date before 平成 began: {} errors, nothing written:", o.errors.len());
        for e in &o.errors {
            say!(out, "  line {} {}: {}", e.line, e.column, e.reason);
        }
    }

    step(
        out,
        "4. lookups within a municipality's own area (T1-4-3); the My Number stays masked",
    )?;
    let first: MyNumber = first_my_number(CHIYODA)?;
    if let Answer::Done(Some(r)) =
        vrs.find_resident(chiyoda, None, &Lookup::MyNumber(first.clone()))?
    {
        say!(
            out,
            "千代田区 finds {} {} born {} by My Number {}",
            r.address_number,
            r.name,
            r.birth_date,
            r.my_number
        );
    }
    if let Answer::Done(n) = vrs.count_residents(chiyoda, None)? {
        say!(out, "千代田区 holds {n} residents");
    }

    step(
        out,
        "5. isolation and statistics-only: refusals are values citing the provision, and audited",
    )?;
    if let Answer::Done(found) = vrs.find_resident(sapporo, None, &Lookup::MyNumber(first))? {
        say!(
            out,
            "札幌市 looks up a 千代田区 resident's My Number in its own area: found = {}",
            found.is_some()
        );
    }
    if let Answer::Refused(r) = vrs.count_residents(sapporo, Some("131016".parse()?))? {
        say!(out, "札幌市 counts 千代田区's residents: {r}");
    }
    if let Answer::Refused(r) = vrs.count_residents("national".parse()?, Some("131016".parse()?))? {
        say!(out, "the State counts 千代田区's residents: {r}");
    }
    if let Answer::Refused(r) = vrs.find_resident(
        "prefecture:13".parse()?,
        Some("131016".parse()?),
        &Lookup::TicketNumber("0000000001".parse()?),
    )? {
        say!(out, "東京都 reads a resident: {r}");
    }

    step(
        out,
        "6. inquiry when a person moves (D12-3): about a moved-in resident (M-8), for a listed purpose (M-9); the holder's consent decides (N-4)",
    )?;
    let moved: MyNumber = first_my_number(CHIYODA)?;
    let chiyoda_code = "131016".parse()?;
    let sapporo_code = "011002".parse()?;
    let ticket = |personal_consent| InquiryOptions {
        personal_consent,
        purpose: "vaccination-ticket",
        record: false,
    };
    if let Answer::Refused(r) = vrs.inquire(sapporo, chiyoda_code, &moved, ticket(false))? {
        say!(
            out,
            "札幌市 asks 千代田区 about a person who has not moved in yet: {r}"
        );
    }
    let mover = moved_in_row(CHIYODA)?;
    if let Answer::Done(o) = vrs.import_residents(sapporo, mover.as_bytes(), None, false)? {
        say!(
            out,
            "札幌市 imports the person as moved in from 千代田区 (転入前自治体コード, 転入日): {} imported",
            o.imported
        );
    }
    let marketing = InquiryOptions {
        purpose: "marketing",
        ..ticket(false)
    };
    if let Answer::Refused(r) = vrs.inquire(sapporo, chiyoda_code, &moved, marketing)? {
        say!(out, "札幌市 asks for marketing: {r}");
    }
    let record = InquiryOptions {
        record: true,
        ..ticket(false)
    };
    match vrs.inquire(sapporo, chiyoda_code, &moved, record)? {
        Answer::Done(a) => say!(
            out,
            "札幌市 asks 千代田区 (addendum consented) for the ticket without the person's consent: found = {}, legal basis {}, {} doses carried over",
            a.found,
            cite_all(&a.legal_basis),
            a.recorded.as_ref().map_or(0, |r| r.iter().filter(|x| x.dose_id.is_some()).count())
        ),
        Answer::Refused(r) => say!(out, "札幌市 asks 千代田区: {r}"),
    }
    let sapporo_first: MyNumber = first_my_number_cp932(SAPPORO)?;
    if let Answer::Refused(r) = vrs.inquire(chiyoda, sapporo_code, &sapporo_first, ticket(true))? {
        say!(
            out,
            "千代田区 asks 札幌市 about a person who is not its resident: {r}"
        );
    }

    step(
        out,
        "7. emergency stop (T1-10): the operator stops inquiry, then resumes it",
    )?;
    vrs.emergency_stop(
        "operator".parse()?,
        Function::Inquiry,
        "demo: suspected misuse",
    )?;
    if let Answer::Refused(r) = vrs.inquire(sapporo, chiyoda_code, &moved, ticket(false))? {
        say!(out, "inquiry while stopped: {r}");
    }
    vrs.emergency_resume("operator".parse()?, Function::Inquiry)?;
    say!(
        out,
        "resumed; stopped functions now: {}",
        vrs.emergency_status()?.len()
    );

    step(
        out,
        "7b. vaccination records (D12-2, T1-3-1-6, T1-5-1) and statistics (T1-4-4, T1-4-6)",
    )?;
    super::demo_records::run(out, &mut vrs, &dir)?;

    step(out, "8. electronic issuance (N-1, N-3, V8, P9, A10-4, T1-4-2) and certificates that follow the record")?;
    let issuance_ok = super::demo_issuance::run(out, &mut vrs, &dir)?;

    step(out, "9. backup (T1-5-3) and its verification")?;
    let backup = dir.join("backup.sqlite");
    let b = vrs.backup(&backup, false)?;
    let v = vrs.verify_backup(&backup)?;
    say!(
        out,
        "{} ({} bytes, {} audit events): valid = {}",
        b.path,
        b.bytes,
        b.audit_events,
        v.valid
    );

    step(
        out,
        "10. audit verify: the hash chain over every event above",
    )?;
    let a = vrs.audit_verify()?;
    say!(
        out,
        "valid = {}, events = {}, first bad = {}",
        a.valid,
        a.events,
        a.first_bad_seq
            .map_or_else(|| "none".to_owned(), |s| s.to_string())
    );

    let valid = a.valid && v.valid && issuance_ok;
    let summary = Summary { dir, valid };
    Ok(if valid {
        Reply::ok(summary)
    } else {
        Reply::exit(summary, Exit::Refused)
    })
}

fn first_my_number_cp932(csv: &[u8]) -> anyhow::Result<MyNumber> {
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(csv);
    first_my_number(text.as_bytes())
}

/// The first resident of `csv` as a resident file row of 札幌市: the same person,
/// moved in from 千代田区 (a new address and ticket number).
fn moved_in_row(csv: &[u8]) -> anyhow::Result<String> {
    let text = std::str::from_utf8(csv)?;
    let line = text
        .lines()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("empty demo file"))?;
    let f: Vec<&str> = line.split(',').collect();
    let [_, _, my_number, _, name, kana, birth, sex, ..] = f.as_slice() else {
        anyhow::bail!("short demo line");
    };
    Ok(format!(
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n\
         011002,M0000001,{my_number},0000900001,{name},{kana},{birth},{sex},131016,2022-01-05\n"
    ))
}

fn first_my_number(csv: &[u8]) -> anyhow::Result<MyNumber> {
    let text = std::str::from_utf8(csv)?;
    let line = text
        .lines()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("empty demo file"))?;
    let field = line
        .split(',')
        .nth(2)
        .ok_or_else(|| anyhow::anyhow!("short demo line"))?;
    Ok(field.parse()?)
}
