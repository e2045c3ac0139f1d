//! The vaccination-records part of `vrs demo`: doses for the demo residents, one
//! registered on behalf of another municipality, a correction with its history,
//! the review queue, the ledger export and the statistics.

use std::io::Write;
use std::path::Path;

use vrs::domain::{parse_dose_date, DoseEntry};
use vrs::{Answer, Correction, Encoding, ExportOptions, Lookup, StatQuery, Vrs};

use super::demo::say;
use crate::output::{when, Reply};

fn entry(ocr: &str, vaccine: &str, lot: &str, date: &str) -> anyhow::Result<DoseEntry> {
    Ok(DoseEntry {
        ocr: ocr.parse()?,
        product: vaccine.parse()?,
        lot: lot.parse()?,
        date: parse_dose_date(date)?,
        venue: Some("千代田区役所集団接種会場".parse()?),
        doctor: Some("医師　一郎".parse()?),
    })
}

/// Runs the records steps on the demo's data directory `dir`.
pub(crate) fn run(out: &mut dyn Write, vrs: &mut Vrs, dir: &Path) -> anyhow::Result<()> {
    let site = "site:131016".parse()?;
    let chiyoda = "municipality:131016".parse()?;
    let sapporo = "municipality:011002".parse()?;

    // Two doses for each of ten 千代田区 residents, through the bulk upload.
    let mut upload = String::from("OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師\n");
    for t in 1..=10 {
        upload.push_str(&format!(
            "11131016{t:010},comirnaty,FA5765,2021-06-{:02},千代田区役所,医師　一郎\n",
            t
        ));
        upload.push_str(&format!(
            "12131016{t:010},208,FF2018,2021-07-{:02},千代田区役所,医師　一郎\n",
            t + 1
        ));
    }
    match vrs.import_doses(site, upload.as_bytes(), Some(Encoding::Utf8))? {
        Answer::Done(o) => say!(
            out,
            "site:131016 uploads 20 doses of 千代田区 residents: registered {}, errors {}",
            o.registered,
            o.errors.len()
        ),
        Answer::Refused(r) => say!(out, "upload: {r}"),
    }

    // A 札幌市 resident vaccinated at a 千代田区 venue: registered on 札幌市's behalf.
    let behalf = entry("110110020000000001", "spikevax", "3002183", "2021-06-20")?;
    let Answer::Done(Ok(reg)) = vrs.register_dose(site, &behalf)? else {
        anyhow::bail!("on-behalf registration failed")
    };
    say!(
        out,
        "site:131016 registers a 札幌市 resident's dose: {} in {}'s area, on behalf = {} (no My Number kept with it, T1-3-1-6)",
        reg.dose_id, reg.municipality_code, reg.on_behalf
    );
    if let Answer::Refused(r) =
        vrs.list_doses(site, &Lookup::TicketNumber("0000000001".parse()?))?
    {
        say!(out, "site:131016 lists it: {r}");
    }

    // The checks at entry.
    let unissued = entry("111310160000009999", "comirnaty", "FA5765", "2021-06-01")?;
    if let Answer::Done(Err(r)) = vrs.register_dose(site, &unissued)? {
        say!(out, "an unissued ticket: refused: {r}");
    }
    let first = entry("111310160000000011", "comirnaty", "FA5765", "2021-05-22")?;
    vrs.register_dose(site, &first)?;
    let again = vrs.register_dose(site, &first)?;
    if let Answer::Done(Ok(r)) = again {
        say!(
            out,
            "the same dose registered twice: the existing {} comes back (existing = {})",
            r.dose_id,
            r.existing
        );
    }
    let soon = entry("121310160000000011", "comirnaty", "FA5765", "2021-06-01")?;
    if let Answer::Done(Err(r)) = vrs.register_dose(site, &soon)? {
        say!(out, "dose 2 ten days after dose 1: refused: {r}");
    }

    // A correction by the holding municipality, with its history.
    let Answer::Done(doses) =
        vrs.list_doses(chiyoda, &Lookup::TicketNumber("0000000001".parse()?))?
    else {
        anyhow::bail!("list refused")
    };
    let id = doses[0].id;
    let fix = Correction {
        lot: Some("FA5766".parse()?),
        ..Correction::default()
    };
    if let Answer::Refused(r) = vrs.correct_dose(site, id, &fix, "tablet misread")? {
        say!(out, "site:131016 corrects {id}: {r}");
    }
    vrs.correct_dose(chiyoda, id, &fix, "lot misread by the tablet")?;
    vrs.confirm_dose(chiyoda, id)?;
    if let Answer::Done(Ok(history)) = vrs.dose_history(chiyoda, id)? {
        say!(out, "history of {id}:");
        for v in history {
            say!(
                out,
                "  v{} {} by {} at {}{} — lot {}",
                v.version,
                v.change,
                v.changed_by,
                when(&v.changed_at),
                v.reason.map(|r| format!(" ({r})")).unwrap_or_default(),
                v.dose.lot
            );
        }
    }
    if let Answer::Done(items) = vrs.review_doses(sapporo)? {
        for i in items {
            say!(
                out,
                "札幌市's review queue: {}: {}",
                i.dose.id,
                i.reasons.join("; ")
            );
        }
    }

    // The ledger export and the statistics.
    let ledger = dir.join("ledger-131016.cp932.csv");
    let opts = ExportOptions {
        since: None,
        encoding: Encoding::Cp932,
        with_address_number: false,
        replace: false,
    };
    if let Answer::Done(r) = vrs.export_ledger(chiyoda, &ledger, opts)? {
        say!(
            out,
            "千代田区's ledger export: {} doses, {} bytes ({}) at {}",
            r.doses,
            r.bytes,
            r.encoding,
            r.path.display()
        );
    }
    let by = StatQuery {
        by: vec![
            "municipality".parse().map_err(anyhow::Error::msg)?,
            "dose".parse().map_err(anyhow::Error::msg)?,
        ],
        ..StatQuery::default()
    };
    for who in ["national", "prefecture:01", "municipality:131016"] {
        if let Answer::Done(s) = vrs.dose_statistics(who.parse()?, &by)? {
            say!(out, "{who} asks for statistics by municipality and dose:");
            for line in Reply::ok(s).plain().lines() {
                say!(out, "  {line}");
            }
        }
    }
    Ok(())
}
