//! `vrs demo [--dir DIR]`: runs everything vrs can do so far on a fresh data
//! directory and says what it did.

use std::path::PathBuf;

use clap::Args;
use vrs::consent::{DocumentId, Function};
use vrs::domain::MyNumber;
use vrs::{Answer, Encoding, Lookup, SystemClock, Vrs};

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

fn say(step: &str) {
    println!("\n== {step}");
}

pub(crate) fn run(args: DemoArgs, _ctx: &Ctx) -> anyhow::Result<Exit> {
    let dir = match args.dir {
        Some(d) => {
            if d.join(vrs::store::DB_FILE).exists() {
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
            std::fs::create_dir_all(&base)?;
            base
        }
    };
    println!("vrs demo: a fresh data directory at {}", dir.display());

    say("1. init: keyring (mode 0600) and database with its migrations");
    let init = Vrs::init(&dir, None, &SystemClock)?;
    println!(
        "created keyring: {}; schema version {}; issuer base URL {}",
        init.created_keyring, init.schema_version, init.issuer_base_url
    );
    let mut vrs = Vrs::open(&dir, Box::new(SystemClock))?;

    say("2. consent function (N-2, T1-2-3): no use of VRS before consenting");
    let chiyoda = "municipality:131016".parse()?;
    let sapporo = "municipality:011002".parse()?;
    if let Answer::Refused(r) = vrs.import_residents(chiyoda, CHIYODA, None, false)? {
        println!("千代田区 imports before consenting: {r}");
    }
    if let Answer::Refused(r) = vrs.grant_consent(
        "operator".parse()?,
        Some("131016".parse()?),
        DocumentId::Terms20211203,
        None,
        None,
    )? {
        println!("the operator tries to consent for 千代田区: {r}");
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
                println!("{name} consents to {doc}: may use VRS = {}", v.may_use_vrs);
            }
        }
    }

    say("3. resident import (D12-1), all or nothing");
    for (who, name, bytes) in [
        (chiyoda, "千代田区 (UTF-8)", CHIYODA),
        (sapporo, "札幌市 (CP932, detected)", SAPPORO),
    ] {
        match vrs.import_residents(who, bytes, None, false)? {
            Answer::Done(o) => println!(
                "{name}: imported {}, updated {}, errors {}",
                o.imported,
                o.updated,
                o.errors.len()
            ),
            Answer::Refused(r) => println!("{name}: {r}"),
        }
    }
    let bad = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n\
               131016,Z1,123456789010,0000099999,山田 太郎,ヤマダ タロウ,平成元年1月7日,1\n";
    if let Answer::Done(o) =
        vrs.import_residents(chiyoda, bad.as_bytes(), Some(Encoding::Utf8), false)?
    {
        println!("a file with a bad check digit and a date before 平成 began: {} errors, nothing written:", o.errors.len());
        for e in &o.errors {
            println!("  line {} {}: {}", e.line, e.column, e.reason);
        }
    }

    say("4. lookups within a municipality's own area (T1-4-3); the My Number stays masked");
    let first: MyNumber = first_my_number(CHIYODA)?;
    if let Answer::Done(Some(r)) =
        vrs.find_resident(chiyoda, None, &Lookup::MyNumber(first.clone()))?
    {
        println!(
            "千代田区 finds {} {} born {} by My Number {}",
            r.address_number, r.name, r.birth_date, r.my_number
        );
    }
    if let Answer::Done(n) = vrs.count_residents(chiyoda, None)? {
        println!("千代田区 holds {n} residents");
    }

    say("5. isolation and statistics-only: refusals are values citing the provision, and audited");
    if let Answer::Done(found) = vrs.find_resident(sapporo, None, &Lookup::MyNumber(first))? {
        println!(
            "札幌市 looks up a 千代田区 resident's My Number in its own area: found = {}",
            found.is_some()
        );
    }
    if let Answer::Refused(r) = vrs.count_residents(sapporo, Some("131016".parse()?))? {
        println!("札幌市 counts 千代田区's residents: {r}");
    }
    if let Answer::Refused(r) = vrs.count_residents("national".parse()?, Some("131016".parse()?))? {
        println!("the State counts 千代田区's residents: {r}");
    }
    if let Answer::Refused(r) = vrs.find_resident(
        "prefecture:13".parse()?,
        Some("131016".parse()?),
        &Lookup::TicketNumber("0000000001".parse()?),
    )? {
        println!("東京都 reads a resident: {r}");
    }

    say("6. inquiry when a person moves (D12-3): the holder's consent decides (N-4)");
    let moved: MyNumber = first_my_number(CHIYODA)?;
    let chiyoda_code = "131016".parse()?;
    let sapporo_code = "011002".parse()?;
    match vrs.inquire(sapporo, chiyoda_code, &moved, false, "vaccination-ticket")? {
        Answer::Done(a) => println!("札幌市 asks 千代田区 (addendum consented) without the person's consent: found = {}, legal basis {:?}", a.found, a.legal_basis),
        Answer::Refused(r) => println!("札幌市 asks 千代田区: {r}"),
    }
    let sapporo_first: MyNumber = first_my_number_cp932(SAPPORO)?;
    match vrs.inquire(
        chiyoda,
        sapporo_code,
        &sapporo_first,
        false,
        "vaccination-ticket",
    )? {
        Answer::Done(a) => println!("千代田区 asks 札幌市: found = {}", a.found),
        Answer::Refused(r) => {
            println!("千代田区 asks 札幌市 (no addendum) without the person's consent: {r}")
        }
    }
    if let Answer::Done(a) = vrs.inquire(
        chiyoda,
        sapporo_code,
        &sapporo_first,
        true,
        "vaccination-ticket",
    )? {
        println!(
            "... and with the person's consent (--personal-consent): found = {}, legal basis {:?}",
            a.found, a.legal_basis
        );
    }

    say("7. emergency stop (T1-10): the operator stops inquiry, then resumes it");
    vrs.emergency_stop(
        "operator".parse()?,
        Function::Inquiry,
        "demo: suspected misuse",
    )?;
    if let Answer::Refused(r) =
        vrs.inquire(sapporo, chiyoda_code, &moved, false, "vaccination-ticket")?
    {
        println!("inquiry while stopped: {r}");
    }
    vrs.emergency_resume("operator".parse()?, Function::Inquiry)?;
    println!(
        "resumed; stopped functions now: {}",
        vrs.emergency_status()?.len()
    );

    say("7b. vaccination records (D12-2, T1-3-1-6, T1-5-1) and statistics (T1-4-4, T1-4-6)");
    super::demo_records::run(&mut vrs, &dir)?;

    say("8. electronic issuance (N-1, N-3, V8, P9, A10-4, T1-4-2) and certificates that follow the record");
    let issuance_ok = super::demo_issuance::run(&mut vrs, &dir)?;

    say("9. backup (T1-5-3) and its verification");
    let backup = dir.join("backup.sqlite");
    let b = vrs.backup(&backup, false)?;
    let v = vrs.verify_backup(&backup)?;
    println!(
        "{} ({} bytes, {} audit events): valid = {}",
        b.path, b.bytes, b.audit_events, v.valid
    );

    say("10. audit verify: the hash chain over every event above");
    let a = vrs.audit_verify()?;
    println!(
        "valid = {}, events = {}, first bad = {:?}",
        a.valid, a.events, a.first_bad_seq
    );

    println!(
        "\nfiles: {} (vrs.sqlite, keyring.json, backup.sqlite)",
        dir.display()
    );
    println!(
        "try: vrs --data-dir {} audit search --limit 5",
        dir.display()
    );
    Ok(if a.valid && v.valid && issuance_ok {
        Exit::Ok
    } else {
        Exit::Refused
    })
}

fn first_my_number_cp932(csv: &[u8]) -> anyhow::Result<MyNumber> {
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(csv);
    first_my_number(text.as_bytes())
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
