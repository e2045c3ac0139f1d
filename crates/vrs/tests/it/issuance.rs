//! Electronic issuance end to end: every refusal, domestic and overseas
//! certificates that verify, certificates that follow corrections, and an
//! issuance history that keeps nothing beyond P11-2-3.

use std::path::PathBuf;

use vrs::certificate::verify_text;
use vrs::consent::{DocumentId, Function, N3_MESSAGE};
use vrs::domain::{parse_dose_date, DoseEntry};
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{Answer, Application, Correction, Kind, NotIssued, Principal, Vrs};

use crate::support::{consent, fresh, fresh_without_consents, HEADER};

const KOKUTO: &str =
    "131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n";
const MRZ1: &str = "P<JPNKOKUTO<<MIKIYA<<<<<<<<<<<<<<<<<<<<<<<<<";
const MRZ2: &str = "TZ12345676JPN8002170M3101012<<<<<<<<<<<<<<04";

fn cards() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards")
}

fn card(name: &str) -> CardDump {
    CardDump::from_json(&std::fs::read_to_string(cards().join(name)).unwrap()).unwrap()
}

fn verifier(liveness: bool) -> CardVerifier {
    let mut anchors = TrustAnchors::card_defaults();
    anchors.extend(
        TrustAnchors::from_json(&std::fs::read_to_string(cards().join("test-ca.json")).unwrap())
            .unwrap(),
    );
    CardVerifier::new(anchors).require_liveness(liveness)
}

fn p(s: &str) -> Principal {
    s.parse().unwrap()
}

fn vds_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/vds")
            .join(name),
    )
    .unwrap()
}

/// The operator configures the test barcode signer (`cargo xtask fixtures vds`).
fn configure_signer(vrs: &mut Vrs) {
    let Answer::Done(info) = vrs
        .import_vds_signer(
            Principal::Operator,
            Some(&vds_fixture("test-signer.pk8")),
            &vds_fixture("test-signer.der"),
        )
        .unwrap()
    else {
        panic!("the operator could not configure the barcode signer")
    };
    assert!(
        info.subject.contains("VRS Test VDS-NC Barcode Signer"),
        "{info:?}"
    );
}

/// 千代田区 holds 黒桐 幹也 with `doses` doses registered by its own venue, and the
/// instance has its barcode signer.
fn with_kokuto(doses: u8) -> (tempfile::TempDir, Vrs) {
    let (dir, mut vrs) = with_kokuto_unsigned(doses);
    configure_signer(&mut vrs);
    (dir, vrs)
}

/// Like [`with_kokuto`], without a barcode signer.
fn with_kokuto_unsigned(doses: u8) -> (tempfile::TempDir, Vrs) {
    let (dir, mut vrs) = fresh();
    let Answer::Done(o) = vrs
        .import_residents(
            p("municipality:131016"),
            format!("{HEADER}{KOKUTO}").as_bytes(),
            None,
            false,
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(o.committed, "{:?}", o.errors);
    for (n, date) in [(1u8, "2021-06-01"), (2, "2021-06-22"), (3, "2022-01-10")]
        .into_iter()
        .take(doses as usize)
    {
        let entry = DoseEntry {
            ocr: format!("1{n}1310160000900001").parse().unwrap(),
            product: "comirnaty".parse().unwrap(),
            lot: "FA5765".parse().unwrap(),
            date: parse_dose_date(date).unwrap(),
            venue: None,
            doctor: None,
        };
        let Answer::Done(Ok(_)) = vrs.register_dose(p("site:131016"), &entry).unwrap() else {
            panic!("dose {n} not registered")
        };
    }
    (dir, vrs)
}

fn apply(
    vrs: &mut Vrs,
    m: &str,
    card_file: &str,
    passport: Option<(&str, &str)>,
    liveness: bool,
) -> Result<vrs::Issued, NotIssued> {
    let card = card(card_file);
    let verifier = verifier(liveness);
    let app = Application {
        municipality: m.parse().unwrap(),
        card: &card,
        passport,
        kind: if passport.is_some() {
            Kind::Overseas
        } else {
            Kind::Domestic
        },
        verifier: &verifier,
    };
    vrs.apply(&app).unwrap()
}

#[track_caller]
fn refused(r: Result<vrs::Issued, NotIssued>) -> NotIssued {
    match r {
        Ok(i) => panic!("issued {}", i.record.certificate_id),
        Err(n) => n,
    }
}

#[test]
fn n_3_a_municipality_without_consent_refuses_with_the_exact_message() {
    let (_dir, mut vrs) = fresh_without_consents();
    let n = refused(apply(&mut vrs, "011002", "valid-yamada.json", None, false));
    assert_eq!(n.grounds, ["N-3"]);
    assert_eq!(
        n.message,
        "この自治体では、まだアプリでの発行を開始していません。恐れ入りますが、自治体の発行方法を確認の上、手続きをお願いします。"
    );
    assert_eq!(n.message, N3_MESSAGE);
    // Consent to the 2021-03 terms alone does not open electronic issuance.
    consent(&mut vrs, "011002", DocumentId::Terms202103);
    assert_eq!(
        refused(apply(&mut vrs, "011002", "valid-yamada.json", None, false)).grounds,
        ["N-3"]
    );
}

#[test]
fn every_other_refusal_names_its_reason() {
    let (_dir, mut vrs) = with_kokuto(2);
    let expired_mrz2 = "TZ12345676JPN8002170M2001012<<<<<<<<<<<<<<06";
    let other_birth_mrz2 = "TZ12345676JPN8102173M3101012<<<<<<<<<<<<<<04";
    type Case<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>, bool, &'a str);
    let cases: Vec<Case> = vec![
        (
            "bad card signature",
            "tampered-bad-signature.json",
            None,
            false,
            "bad_signature",
        ),
        (
            "replayed card without liveness when liveness is demanded",
            "valid-kokuto.json",
            None,
            true,
            "bad_liveness",
        ),
        (
            "no such person",
            "valid-suzuki.json",
            None,
            false,
            "no_record",
        ),
        (
            "expired passport",
            "valid-kokuto.json",
            Some((MRZ1, expired_mrz2)),
            false,
            "passport_expired",
        ),
        (
            "birth dates differ",
            "valid-kokuto.json",
            Some((MRZ1, other_birth_mrz2)),
            false,
            "birth_date_mismatch",
        ),
    ];
    for (label, file, passport, liveness, kind) in cases {
        let n = refused(apply(&mut vrs, "131016", file, passport, liveness));
        assert_eq!(n.kind, kind, "{label}: {n:?}");
        assert!(!n.grounds.is_empty(), "{label}");
    }
    // The expired passport's MRZ is otherwise valid: prove the check digits are right.
    let (_d, mut no_doses) = with_kokuto(0);
    let n = refused(apply(
        &mut no_doses,
        "131016",
        "valid-kokuto.json",
        None,
        false,
    ));
    assert_eq!(
        (n.kind.as_str(), n.grounds.clone()),
        ("no_completed_dose", vec!["A10-4-5".to_string()])
    );
}

#[test]
fn t1_10_e_issuance_under_an_emergency_stop_is_refused() {
    let (_dir, mut vrs) = with_kokuto(2);
    vrs.emergency_stop(p("operator"), Function::EIssuance, "test")
        .unwrap();
    let n = refused(apply(&mut vrs, "131016", "valid-kokuto.json", None, false));
    assert_eq!(n.grounds, ["T1-10"]);
    vrs.emergency_resume(p("operator"), Function::EIssuance)
        .unwrap();
    assert!(apply(&mut vrs, "131016", "valid-kokuto.json", None, false).is_ok());
}

#[test]
fn s_2_14_an_overseas_application_without_a_barcode_signer_is_refused_not_issued_without_vds_nc() {
    let (_dir, mut vrs) = with_kokuto_unsigned(2);
    let n = refused(apply(
        &mut vrs,
        "131016",
        "valid-kokuto.json",
        Some((MRZ1, MRZ2)),
        false,
    ));
    assert_eq!(n.grounds, ["S-2-14"]);
    assert!(n.message.contains("barcode signer"), "{}", n.message);
    // The domestic certificate needs no barcode signer.
    assert!(apply(&mut vrs, "131016", "valid-kokuto.json", None, false).is_ok());
    // Configured, the same application is issued, with its VDS-NC.
    configure_signer(&mut vrs);
    let issued = apply(
        &mut vrs,
        "131016",
        "valid-kokuto.json",
        Some((MRZ1, MRZ2)),
        false,
    )
    .unwrap();
    let vds = issued
        .vds_nc
        .expect("an overseas certificate carries its VDS-NC");
    // The passport's MRZ says M: the seal carries the sex (VDS-NC pid.sex).
    let seal: serde_json::Value = serde_json::from_str(&vds).unwrap();
    assert_eq!(seal["data"]["msg"]["pid"]["sex"], "M");
    let mut trust = vrs.trust_list().unwrap();
    trust.add_csca_der(vds_fixture("test-csca.der"));
    let v = verify_text(&vds, &trust, vrs.now().timestamp() as f64).unwrap();
    assert_eq!(v.format, vrs::certificate::Format::VdsNc);
}

#[test]
fn s_2_14_only_the_operator_configures_the_barcode_signer_and_a_wrong_certificate_is_an_error() {
    let (_dir, mut vrs) = fresh();
    let key = vds_fixture("test-signer.pk8");
    for who in ["municipality:131016", "national", "site:131016"] {
        let Answer::Refused(r) = vrs
            .import_vds_signer(p(who), Some(&key), &vds_fixture("test-signer.der"))
            .unwrap()
        else {
            panic!("{who} configured the barcode signer")
        };
        assert_eq!(r.provisions(), ["S-2-14"], "{who}");
    }
    // The CSCA's own certificate is not a barcode signer's (nor for this key).
    assert!(vrs
        .import_vds_signer(
            Principal::Operator,
            Some(&key),
            &vds_fixture("test-csca.der")
        )
        .is_err());
    assert!(vrs.vds_signer_info().unwrap().is_none());
    // A request makes a key that stays sealed; the request names the ICAO extensions.
    let subject = "C=JP,O=Digital Agency,CN=VRS Barcode Signer 2"
        .parse()
        .unwrap();
    let Answer::Done(req) = vrs
        .vds_signer_request(Principal::Operator, &subject)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(req.csr_der.first(), Some(&0x30), "a DER SEQUENCE");
    // Importing without --key uses the request's key: the test certificate is not for it.
    let err = vrs
        .import_vds_signer(Principal::Operator, None, &vds_fixture("test-signer.der"))
        .unwrap_err();
    assert!(err.to_string().contains("not for this key"), "{err}");
    assert!(vrs.vds_signer_info().unwrap().is_none());
}

#[test]
fn t1_4_2_domestic_and_overseas_certificates_are_issued_by_the_holder_and_verify() {
    let (_dir, mut vrs) = with_kokuto(2);
    let domestic = apply(&mut vrs, "131016", "valid-kokuto-live.json", None, true).unwrap();
    let overseas = apply(
        &mut vrs,
        "131016",
        "valid-kokuto.json",
        Some((MRZ1, MRZ2)),
        false,
    )
    .unwrap();
    assert_ne!(
        domestic.record.certificate_id,
        overseas.record.certificate_id
    );
    let trust = vrs.trust_list().unwrap();
    let now = vrs.now().timestamp() as f64 + 1.0;
    // The overseas card carries the passport's romaji name (the kanji name stays in the document).
    for (issued, name) in [
        (&domestic, "黒桐\u{3000}幹也"),
        (&overseas, "MIKIYA KOKUTO"),
    ] {
        let v = verify_text(&issued.shc.qr_text(), &trust, now).expect("verifies");
        assert_eq!(v.iss, "https://vrs.example.jp/issuer/131016");
        assert_eq!(v.name, name);
        assert_eq!(v.doses.len(), 2);
        assert!(!issued.shc.qr_text().contains("537686677188"));
        assert!(!issued.shc.jws().contains("537686677188"));
    }
    assert_eq!(
        overseas.record.passport_number.as_deref(),
        Some("TZ1234567")
    );
    assert_eq!(overseas.record.nationality.as_deref(), Some("JPN"));
    assert_eq!(domestic.record.passport_number, None);
}

#[test]
fn correcting_a_dose_revokes_the_certificate_that_shows_it_and_a_new_application_gets_a_new_id() {
    let (_dir, mut vrs) = with_kokuto(2);
    let first = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    let now = vrs.now().timestamp() as f64 + 1.0;
    assert!(verify_text(&first.shc.qr_text(), &vrs.trust_list().unwrap(), now).is_ok());
    let chiyoda = p("municipality:131016");
    let Answer::Done(doses) = vrs
        .list_doses(
            chiyoda,
            &vrs::Lookup::TicketNumber("0000900001".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!()
    };
    let correction = Correction {
        lot: Some("FA7338".parse().unwrap()),
        ..Correction::default()
    };
    let Answer::Done(Ok(_)) = vrs
        .correct_dose(chiyoda, doses[1].id, &correction, "lot misread")
        .unwrap()
    else {
        panic!("correction failed")
    };
    let refusal = verify_text(&first.shc.qr_text(), &vrs.trust_list().unwrap(), now).unwrap_err();
    assert!(format!("{refusal:?}").contains("revoked"), "{refusal:?}");
    let Answer::Done(history) = vrs.issuance_history(chiyoda).unwrap() else {
        panic!()
    };
    let row = history
        .iter()
        .find(|r| r.certificate_id == first.record.certificate_id)
        .unwrap();
    assert_eq!(row.revoked_reason.as_deref(), Some("dose corrected"));
    let second = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    assert_ne!(second.record.certificate_id, first.record.certificate_id);
    assert!(verify_text(&second.shc.qr_text(), &vrs.trust_list().unwrap(), now).is_ok());
}

/// The same instance reopened `seconds` after the tests' clock.
fn later(vrs: Vrs, dir: &tempfile::TempDir, seconds: i64) -> Vrs {
    drop(vrs);
    let at = crate::support::clock().0 + chrono::Duration::seconds(seconds);
    Vrs::open(dir.path(), Box::new(vrs::FixedClock(at))).unwrap()
}

/// The revocation state of one card: `Ok` if valid, else the refusal codes.
fn status(vrs: &Vrs, card: &vrs::Issued, now: f64) -> Result<(), Vec<String>> {
    verify_text(&card.shc.qr_text(), &vrs.trust_list().unwrap(), now)
        .map(|_| ())
        .map_err(|errors| errors.iter().map(|e| e.code.to_string()).collect())
}

#[test]
fn one_persons_cards_share_a_rid_and_a_revocation_covers_those_issued_up_to_it_only() {
    let (dir, vrs) = with_kokuto(2);
    let chiyoda = p("municipality:131016");
    let m = "131016".parse().unwrap();
    let t0 = crate::support::clock().0.timestamp() as f64;
    let crl_version = |vrs: &mut Vrs| {
        let Answer::Done(jwks) = vrs.jwks(m).unwrap() else {
            panic!("131016 consents to electronic issuance")
        };
        jwks.keys[0].crl_version
    };
    let correct = |vrs: &mut Vrs, lot: &str| {
        let Answer::Done(doses) = vrs
            .list_doses(
                chiyoda,
                &vrs::Lookup::TicketNumber("0000900001".parse().unwrap()),
            )
            .unwrap()
        else {
            panic!()
        };
        let correction = Correction {
            lot: Some(lot.parse().unwrap()),
            ..Correction::default()
        };
        let Answer::Done(Ok(_)) = vrs
            .correct_dose(chiyoda, doses[1].id, &correction, "lot misread")
            .unwrap()
        else {
            panic!("correction failed")
        };
    };
    let mut vrs = later(vrs, &dir, 0);
    let first = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    let first_nbf = verify_text(&first.shc.qr_text(), &vrs.trust_list().unwrap(), t0)
        .unwrap()
        .nbf;
    let mut vrs = later(vrs, &dir, 3600);
    let second = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    assert_eq!(first.record.rid, second.record.rid, "one person, one rid");
    assert_ne!(first.record.certificate_id, second.record.certificate_id);
    assert_eq!(
        crl_version(&mut vrs),
        Some(1),
        "the empty list is version 1"
    );

    // Two hours in, a dose both cards show is corrected: both are revoked by one entry.
    let mut vrs = later(vrs, &dir, 7200);
    correct(&mut vrs, "FA7338");
    assert_eq!(crl_version(&mut vrs), Some(2), "a change is a new version");
    let crl = vrs.crl(&first.record.kid).unwrap();
    assert_eq!(crl.ctr, 2);
    let entries: Vec<(String, Option<i64>)> = crl
        .rids
        .iter()
        .map(|r| (r.rid.as_str().to_owned(), r.before))
        .collect();
    assert_eq!(
        entries,
        [(first.record.rid.clone(), Some(t0 as i64 + 7201))],
        "one rid, revoked before the second after the correction"
    );
    let now = t0 + 7300.0;
    assert_eq!(status(&vrs, &first, now), Err(vec!["revoked".to_owned()]));
    assert_eq!(status(&vrs, &second, now), Err(vec!["revoked".to_owned()]));
    // Applied for again within the second of the revocation: the card starts at the
    // end of that second, so it is not born revoked.
    let same_second = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    assert_eq!(status(&vrs, &same_second, now), Ok(()));
    let nbf = |card: &vrs::Issued| {
        verify_text(&card.shc.qr_text(), &vrs.trust_list().unwrap(), now)
            .unwrap()
            .nbf
    };
    assert_eq!(nbf(&same_second), Some(t0 + 7201.0));
    assert_eq!(first_nbf, Some(t0), "otherwise nbf is the time of issue");

    // A card issued after the revocation shares the rid and is valid.
    let mut vrs = later(vrs, &dir, 10800);
    let third = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    assert_eq!(third.record.rid, first.record.rid);
    let now = t0 + 10900.0;
    assert_eq!(
        status(&vrs, &third, now),
        Ok(()),
        "issued after the timestamp"
    );
    assert_eq!(crl_version(&mut vrs), Some(2), "issuing changes no list");

    // Corrected again: the same rid's time moves on, the list gets a new version.
    let mut vrs = later(vrs, &dir, 14400);
    correct(&mut vrs, "FA7339");
    let crl = vrs.crl(&first.record.kid).unwrap();
    assert_eq!(crl.ctr, 3);
    assert_eq!(crl.rids.len(), 1, "the rid is updated, not listed twice");
    assert_eq!(crl.rids[0].before, Some(t0 as i64 + 14401));
    assert_eq!(crl_version(&mut vrs), Some(3));
    let now = t0 + 14500.0;
    assert_eq!(status(&vrs, &third, now), Err(vec!["revoked".to_owned()]));
    let mut vrs = later(vrs, &dir, 18000);
    let fourth = apply(&mut vrs, "131016", "valid-kokuto.json", None, false).unwrap();
    assert_eq!(status(&vrs, &fourth, t0 + 18100.0), Ok(()));
}

#[test]
fn p11_2_3_the_issuance_history_holds_nothing_beyond_name_birth_date_nationality_and_passport() {
    let (dir, mut vrs) = with_kokuto(2);
    apply(
        &mut vrs,
        "131016",
        "valid-kokuto.json",
        Some((MRZ1, MRZ2)),
        false,
    )
    .unwrap();
    drop(vrs);
    let conn = rusqlite::Connection::open(dir.path().join(vrs::DB_FILE)).unwrap();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('issuances')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Personal data (P11-2-3) plus the certificate's own metadata; nothing else.
    let personal = ["name", "birth_date", "nationality", "passport_number"];
    let metadata = [
        "certificate_id",
        "municipality",
        "kind",
        "origin",
        "with_holders_card",
        "kid",
        "rid",
        "issued_at",
        "revoked_at",
        "revoked_reason",
        "audit_seq",
    ];
    for c in &columns {
        assert!(
            personal.contains(&c.as_str()) || metadata.contains(&c.as_str()),
            "unexpected column {c}"
        );
    }
    let row: (String, String, String, String, String) = conn
        .query_row(
            "SELECT name, birth_date, nationality, passport_number, origin FROM issuances",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (
            "黒桐\u{3000}幹也".into(),
            "1980-02-17".into(),
            "JPN".into(),
            "TZ1234567".into(),
            "individual".into()
        )
    );
    // No address, sex or My Number anywhere in the row.
    let dump: String = conn
        .query_row("SELECT group_concat(quote(certificate_id) || quote(name) || quote(kid) || quote(rid)) FROM issuances", [], |r| r.get(0))
        .unwrap();
    assert!(!dump.contains("537686677188") && !dump.contains("清瀬"));
}

#[test]
fn t1_9_3_the_history_is_read_for_certificate_issuance_only_and_never_by_the_state() {
    let (_dir, mut vrs) = with_kokuto(2);
    let Answer::Refused(r) = vrs.issuance_history(p("national")).unwrap() else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-4-6"]);
}

#[test]
fn a_certificate_whose_files_cannot_be_written_leaves_no_history_row() {
    let (_dir, mut vrs) = with_kokuto(2);
    let card = card("valid-kokuto.json");
    let verifier = verifier(false);
    let app = Application {
        municipality: "131016".parse().unwrap(),
        card: &card,
        passport: None,
        kind: Kind::Domestic,
        verifier: &verifier,
    };
    let issued_events = |vrs: &Vrs| {
        vrs.audit_search(None, Some("issue_certificate"), None, 100)
            .unwrap()
            .into_iter()
            .filter(|e| e.outcome == "allowed")
            .count()
    };
    let failed = vrs.apply_delivering(&app, |_| {
        Err(vrs::VrsError::Io {
            path: "out/certificate.png".into(),
            source: std::io::Error::other("disk full"),
        })
    });
    assert!(
        matches!(failed, Err(vrs::VrsError::Io { .. })),
        "{failed:?}"
    );
    let Answer::Done(history) = vrs.issuance_history(p("municipality:131016")).unwrap() else {
        panic!()
    };
    assert!(history.is_empty(), "{history:?}");
    assert_eq!(
        issued_events(&vrs),
        0,
        "its audit event is rolled back with it"
    );

    let mut delivered = None;
    let issued = vrs
        .apply_delivering(&app, |i| {
            delivered = Some(i.record.certificate_id.clone());
            Ok(())
        })
        .unwrap()
        .unwrap();
    assert_eq!(delivered, Some(issued.record.certificate_id.clone()));
    let Answer::Done(history) = vrs.issuance_history(p("municipality:131016")).unwrap() else {
        panic!()
    };
    assert_eq!(history.len(), 1);
    assert_eq!(issued_events(&vrs), 1);
    assert!(vrs.audit_verify().unwrap().valid);
}
