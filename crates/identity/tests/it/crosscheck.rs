//! Cross-checks between a verified card and a passport.

use chrono::NaiveDate;
use vrs_domain::Sex;
use vrs_identity::card::mint::{CardSpec, TestCardIssuer};
use vrs_identity::crosscheck::{certificate_romaji_name, check_birth_dates};
use vrs_identity::mrz::{check_digit, parse_td3, MrzOptions};
use vrs_identity::{CardVerifier, TrustAnchors, VerifiedCardHolder, VerifiedOverseasApplicant};

use crate::fixtures;

fn holder() -> VerifiedCardHolder {
    let issuer = TestCardIssuer::from_fixture_dir(&fixtures().join("cards")).unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(issuer.anchor());
    let spec = CardSpec {
        my_number: "537686677188".parse().unwrap(),
        name: "黒桐 幹也".parse().unwrap(),
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse().unwrap(),
        sex: Sex::Male,
    };
    CardVerifier::new(anchors)
        .verify(&issuer.mint(&spec))
        .unwrap()
}

/// A Japanese passport MRZ for KOKUTO MIKIYA born `yymmdd`, expiring 2030-01-01.
fn mrz(yymmdd: &str) -> (String, String) {
    mrz_named("KOKUTO<<MIKIYA", yymmdd)
}

/// The same passport with the MRZ name field `name` (`<<` between the identifiers).
fn mrz_named(name: &str, yymmdd: &str) -> (String, String) {
    let l1 = format!("{:<<44}", format!("P<JPN{name}"));
    let mut l2 = format!("TR1234567<JPN{yymmdd}<M300101<<<<<<<<<<<<<<<<<").into_bytes();
    l2[9] = b'0' + check_digit(&l2[0..9]);
    l2[19] = b'0' + check_digit(&l2[13..19]);
    l2[27] = b'0' + check_digit(&l2[21..27]);
    let mut composite = l2[0..10].to_vec();
    composite.extend_from_slice(&l2[13..20]);
    composite.extend_from_slice(&l2[21..43]);
    l2[43] = b'0' + check_digit(&composite);
    (l1, String::from_utf8(l2).unwrap())
}

fn on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

#[test]
fn matching_birth_dates_pass_and_the_romaji_name_comes_from_the_passport() {
    let (l1, l2) = mrz("800217");
    let p = parse_td3(&l1, &l2, &MrzOptions::new(on())).unwrap();
    let a = VerifiedOverseasApplicant::cross_check(holder(), p.clone(), on()).unwrap();
    assert_eq!(a.romaji_name().to_string(), "KOKUTO MIKIYA");
    assert_eq!(certificate_romaji_name(&p).unwrap().family(), "KOKUTO");
    assert_eq!(a.passport().nationality(), "JPN");
    assert_eq!(a.holder().name().to_string(), "黒桐\u{3000}幹也");
}

#[test]
fn different_birth_dates_are_refused() {
    let (l1, l2) = mrz("800218");
    let p = parse_td3(&l1, &l2, &MrzOptions::new(on())).unwrap();
    let err = check_birth_dates(&holder(), &p).unwrap_err();
    assert_eq!(err.kind(), "birth_date_mismatch");
    let err = VerifiedOverseasApplicant::cross_check(holder(), p, on()).unwrap_err();
    assert_eq!(err.kind(), "birth_date_mismatch");
}

#[test]
fn an_expired_passport_is_refused_on_the_day_of_application() {
    let (l1, l2) = mrz("800217");
    let p = parse_td3(&l1, &l2, &MrzOptions::new(on())).unwrap();
    let late = NaiveDate::from_ymd_opt(2030, 1, 2).unwrap();
    let err = VerifiedOverseasApplicant::cross_check(holder(), p, late).unwrap_err();
    assert_eq!(err.kind(), "passport_expired");
}

#[test]
fn a_passport_name_without_a_primary_identifier_is_refused_as_a_romaji_name() {
    // The MRZ parser accepts an empty primary identifier; the certificate cannot
    // print a name without a family name, so the cross-check says why, once.
    let (l1, l2) = mrz_named("<<MIKIYA", "800217");
    let p = parse_td3(&l1, &l2, &MrzOptions::new(on())).unwrap();
    let e = certificate_romaji_name(&p).unwrap_err();
    assert_eq!(e.kind(), "romaji_name");
    assert!(e.to_string().contains("romaji_name"), "{e}");
    let e = VerifiedOverseasApplicant::cross_check(holder(), p, on()).unwrap_err();
    assert_eq!(e.kind(), "romaji_name");
}
