//! Fuzz target: the TD3 MRZ reader, strict and with OCR repair, on arbitrary text.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use vrs_identity::mrz::{read_td3, MrzOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (l1, l2) = text.split_once('\n').unwrap_or((text, ""));
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let strict = read_td3(l1, l2, &MrzOptions::new(today));
    let repaired = read_td3(l1, l2, &MrzOptions::new(today).repair(true));
    // A strictly valid MRZ needs no repair and reads the same either way.
    if strict.is_valid() {
        assert_eq!(strict, repaired);
    }
    // A repaired reading is accepted only when it is faultless.
    if repaired.repaired.is_some() {
        assert!(repaired.is_valid());
        let (r1, r2) = repaired.repaired.clone().expect("lines");
        let again = read_td3(&r1, &r2, &MrzOptions::new(today));
        assert!(again.is_valid());
    }
    if let Ok(p) = strict.passport() {
        assert_eq!(p.surname(), strict.surname.as_str());
    }
});
