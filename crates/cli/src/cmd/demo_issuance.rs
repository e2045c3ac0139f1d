//! The electronic-issuance part of `vrs demo`: a domestic and an overseas
//! certificate for a synthetic card holder (test CA, trusted only here), the N-3
//! refusal, a replayed card refused, the issued QR codes verified, and a
//! correction that revokes them.

use std::io::Write;
use std::path::Path;

use vrs::certificate::{verify_text, TrustList};
use vrs::domain::{parse_dose_date, DoseEntry};
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{Answer, Application, Correction, Kind, Lookup, Vrs};

use super::apply::write_files;
use super::demo::say;
use crate::output::cite_all;

/// Synthetic card dumps signed by vrs's own test CA (`cargo xtask fixtures cards`).
const KOKUTO_CARD: &str = include_str!("../../../../fixtures/cards/valid-kokuto.json");
const KOKUTO_LIVE_CARD: &str = include_str!("../../../../fixtures/cards/valid-kokuto-live.json");
const YAMADA_CARD: &str = include_str!("../../../../fixtures/cards/valid-yamada.json");
/// The test CA's public key: trusted in this demo only.
const TEST_CA: &str = include_str!("../../../../fixtures/cards/test-ca.json");
/// The test VDS-NC barcode signer and its CSCA (`cargo xtask fixtures vds`).
const VDS_KEY: &[u8] = include_bytes!("../../../../fixtures/vds/test-signer.pk8");
const VDS_CERT: &[u8] = include_bytes!("../../../../fixtures/vds/test-signer.der");
const VDS_CSCA: &[u8] = include_bytes!("../../../../fixtures/vds/test-csca.der");
/// A synthetic passport for the same person (birth date 1980-02-17, valid until 2031).
const MRZ1: &str = "P<JPNKOKUTO<<MIKIYA<<<<<<<<<<<<<<<<<<<<<<<<<";
const MRZ2: &str = "TZ12345676JPN8002170M3101012<<<<<<<<<<<<<<04";

const HEADER: &str = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

fn trust(vrs: &Vrs) -> anyhow::Result<TrustList> {
    let mut t = vrs.trust_list()?;
    t.add_csca_der(VDS_CSCA.to_vec());
    Ok(t)
}

/// Runs the issuance steps; returns whether every check came out as expected.
pub(crate) fn run(out: &mut dyn Write, vrs: &mut Vrs, dir: &Path) -> anyhow::Result<bool> {
    let mut ok = true;
    // S-2-14: the operator configures the barcode signer (the test one, made by
    // `cargo xtask fixtures vds`), sealed in the keyring; without it an overseas
    // application is refused.
    match vrs.import_vds_signer(vrs::Principal::Operator, Some(VDS_KEY), VDS_CERT)? {
        Answer::Done(info) => say!(
            out,
            "barcode signer configured: {} (CSCA {})",
            info.subject,
            info.csca
        ),
        Answer::Refused(r) => {
            anyhow::bail!("the operator could not configure the barcode signer: {r}")
        }
    }
    let chiyoda = "municipality:131016".parse()?;
    let sapporo = "municipality:011002".parse()?;

    // The card holders are residents: 黒桐 幹也 of 千代田区, 山田 花子 of 札幌市.
    let kokuto = format!("{HEADER}131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n");
    let yamada = format!("{HEADER}011002,A900000001,123456789018,0000900001,山田　花子,ヤマダ　ハナコ,1992-07-01,2\n");
    vrs.import_residents(chiyoda, kokuto.as_bytes(), None, false)?;
    vrs.import_residents(sapporo, yamada.as_bytes(), None, false)?;
    for (count, date, lot) in [(1, "2021-06-01", "FA5765"), (2, "2021-06-22", "FA7338")] {
        let entry = DoseEntry {
            ocr: format!("1{count}1310160000900001").parse()?,
            product: "comirnaty".parse()?,
            lot: lot.parse()?,
            date: parse_dose_date(date)?,
            venue: Some("千代田区役所集団接種会場".parse()?),
            doctor: None,
        };
        vrs.register_dose("site:131016".parse()?, &entry)?;
    }
    say!(out, "黒桐 幹也 (千代田区) has two doses; 山田 花子 (札幌市) applies where e-issuance is not consented");

    let mut anchors = TrustAnchors::card_defaults();
    anchors.extend(TrustAnchors::from_json(TEST_CA)?);
    let live = CardVerifier::new(anchors.clone()).require_liveness(true);
    let plain = CardVerifier::new(anchors);
    let kokuto_card = CardDump::from_json(KOKUTO_CARD)?;
    let kokuto_live = CardDump::from_json(KOKUTO_LIVE_CARD)?;
    let yamada_card = CardDump::from_json(YAMADA_CARD)?;
    let app = |card, passport, kind, verifier, m: &str| -> anyhow::Result<Application<'_>> {
        Ok(Application {
            municipality: m.parse()?,
            card,
            passport,
            kind,
            verifier,
        })
    };

    // N-3: 札幌市 consented to the 2021-03 terms only.
    match vrs.apply(&app(&yamada_card, None, Kind::Domestic, &plain, "011002")?)? {
        Err(n) => say!(
            out,
            "札幌市, 山田 花子 applies: refused: {}: 「{}」",
            cite_all(&n.grounds),
            n.message
        ),
        Ok(_) => ok = false,
    }
    // P9-1: a card read replayed without the card's nonce signature, when liveness is demanded.
    match vrs.apply(&app(&kokuto_card, None, Kind::Domestic, &live, "131016")?)? {
        Err(n) => say!(
            out,
            "a replayed card read, liveness demanded: refused ({}): {}",
            n.kind,
            cite_all(&n.grounds)
        ),
        Ok(_) => ok = false,
    }

    let mut issued = Vec::new();
    for (label, card, passport, kind, verifier) in [
        ("domestic", &kokuto_live, None, Kind::Domestic, &live),
        (
            "overseas",
            &kokuto_card,
            Some((MRZ1, MRZ2)),
            Kind::Overseas,
            &plain,
        ),
    ] {
        match vrs.apply(&app(card, passport, kind, verifier, "131016")?)? {
            Ok(i) => {
                let folder = dir.join("certificates").join(label);
                vrs::create_private_dir(&folder)?;
                write_files(&folder, &i)?;
                say!(
                    out,
                    "{label} certificate {} issued by 千代田区 (kid {}){}: {}",
                    i.record.certificate_id,
                    i.shc.kid(),
                    if i.vds_nc.is_some() {
                        ", with an ICAO VDS-NC"
                    } else {
                        ""
                    },
                    folder.display()
                );
                issued.push((label, i));
            }
            Err(n) => {
                say!(out, "{label}: refused ({}): {}", n.kind, n.message);
                ok = false;
            }
        }
    }

    let now = vrs.now().timestamp() as f64 + 1.0;
    let check = |out: &mut dyn Write,
                 vrs: &Vrs,
                 when: &str,
                 expect_valid: bool,
                 ok: &mut bool|
     -> anyhow::Result<()> {
        let trust = trust(vrs)?;
        for (label, i) in &issued {
            let mut texts = vec![("SHC", i.shc.qr_text())];
            if let Some(v) = &i.vds_nc {
                texts.push(("VDS-NC", v.clone()));
            }
            for (format, text) in texts {
                let result = verify_text(&text, &trust, now);
                let said = match &result {
                    Ok(v) => format!("valid ({}, {} doses)", v.name, v.doses.len()),
                    Err(errors) => format!(
                        "invalid: {}",
                        errors
                            .iter()
                            .map(|e| e.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                say!(out, "{when}: {label} {format} QR → {said}");
                // The VDS-NC carries no revocation: only the SHC follows corrections.
                if format == "SHC" && result.is_ok() != expect_valid {
                    *ok = false;
                }
            }
        }
        Ok(())
    };
    check(out, vrs, "verify", true, &mut ok)?;

    // Certificates follow the record: correcting a dose they show revokes them.
    let Answer::Done(doses) =
        vrs.list_doses(chiyoda, &Lookup::TicketNumber("0000900001".parse()?))?
    else {
        anyhow::bail!("list refused")
    };
    let second = doses
        .iter()
        .find(|d| d.dose_number.get() == 2)
        .map(|d| d.id);
    if let Some(id) = second {
        let correction = Correction {
            lot: Some("FA7339".parse()?),
            ..Correction::default()
        };
        vrs.correct_dose(chiyoda, id, &correction, "lot misread at the venue")?;
        say!(out, "千代田区 corrects dose 2's lot (FA7338 → FA7339): the certificates showing it are revoked");
    }
    check(out, vrs, "after the correction", false, &mut ok)?;
    if let Ok(i) = vrs.apply(&app(&kokuto_live, None, Kind::Domestic, &live, "131016")?)? {
        let valid = verify_text(&i.shc.qr_text(), &trust(vrs)?, now).is_ok();
        say!(
            out,
            "a new application: certificate {} (new ID), valid = {valid}",
            i.record.certificate_id
        );
        ok &= valid;
    }
    if let Answer::Done(history) = vrs.issuance_history(chiyoda)? {
        say!(
            out,
            "issuance history of 千代田区 (name, birth date, nationality, passport number only):"
        );
        for r in history {
            say!(
                out,
                "  {} {} {} {} {} {}",
                r.certificate_id,
                r.kind,
                r.name,
                r.birth_date,
                r.passport_number.unwrap_or_else(|| "-".into()),
                r.revoked_reason
                    .map(|w| format!("revoked: {w}"))
                    .unwrap_or_else(|| "in force".into())
            );
        }
    }
    Ok(ok)
}
