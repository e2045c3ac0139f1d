//! `vrs passport parse`.

use serde_json::json;

use crate::vrs;

const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

#[test]
fn the_icao_specimen_parses_with_every_field() {
    let (code, out) = vrs(&["passport", "parse", L1, L2]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        json!({
            "document_code": "P",
            "issuing_state": "UTO",
            "surname": "ERIKSSON",
            "given_names": "ANNA MARIA",
            "document_number": "L898902C3",
            "nationality": "UTO",
            "birth_date": "1974-08-12",
            "sex": "F",
            "expiry_date": "2012-04-15",
            "optional_data": "ZE184226B",
            "valid": true,
            "errors": [],
            "warnings": [],
            "repaired": null,
        })
    );
}

#[test]
fn a_bad_check_digit_exits_1_naming_it() {
    let bad = L2.replacen("C36", "C37", 1);
    let (code, out) = vrs(&["passport", "parse", L1, &bad]);
    assert_eq!(code, 1);
    assert_eq!(out["valid"], json!(false));
    assert_eq!(
        out["errors"],
        json!(["document_number_check", "composite_check"])
    );
}

#[test]
fn on_a_date_after_expiry_the_passport_is_refused() {
    let (code, out) = vrs(&["passport", "parse", L1, L2, "--on", "2012-04-16"]);
    assert_eq!((code, &out["errors"]), (1, &json!(["expired"])));
    let (code, _) = vrs(&["passport", "parse", L1, L2, "--on", "2012-04-15"]);
    assert_eq!(code, 0);
}

#[test]
fn repair_fixes_ocr_noise_and_reports_the_corrected_lines() {
    let n1 = "P<UT0ERIK55ON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<";
    let n2 = "L898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O";
    let (code, _) = vrs(&["passport", "parse", n1, n2]);
    assert_eq!(code, 1);
    let (code, out) = vrs(&["passport", "parse", n1, n2, "--repair"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["repaired"], json!([L1, L2]));
    assert_eq!(out["birth_date"], json!("1974-08-12"));
}

#[test]
fn a_malformed_date_argument_exits_2() {
    let (code, _) = vrs(&["passport", "parse", L1, L2, "--on", "2012-13-01"]);
    assert_eq!(code, 2);
}
