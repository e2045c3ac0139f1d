//! Unit tests of the dose admission rules, named after the provision they guard.

use chrono::{FixedOffset, NaiveDate, TimeZone};

use super::*;
use crate::{OcrLine, TicketNumber, VenueName};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn area() -> MunicipalityCode {
    "131016".parse().unwrap()
}

fn id(serial: u64) -> DoseId {
    DoseId::new(area(), serial).unwrap()
}

fn product(s: &str) -> VaccineProduct {
    s.parse().unwrap()
}

fn lot(s: &str) -> LotNumber {
    s.parse().unwrap()
}

fn born() -> BirthDate {
    BirthDate::from_date(d("1980-06-15")).unwrap()
}

const TODAY: &str = "2021-12-20";

fn entry(date: &str, vaccine: &str, lot_number: &str, ticket_dose: u8) -> DoseEntry {
    DoseEntry {
        ocr: OcrLine::new(
            1,
            ticket_dose,
            area(),
            TicketNumber::from_u64(1234567890).unwrap(),
        )
        .unwrap(),
        product: product(vaccine),
        lot: lot(lot_number),
        date: d(date),
        venue: None,
        doctor: None,
    }
}

fn held(serial: u64, number: u8, date: &str, vaccine: &str, confirmed: bool) -> HeldDose {
    HeldDose {
        id: id(serial),
        dose_number: DoseNumber::new(number).unwrap(),
        date: d(date),
        product: product(vaccine),
        lot: lot("FA1234"),
        confirmed,
    }
}

#[track_caller]
fn admit(e: &DoseEntry, held: &[HeldDose], reupload: bool) -> Result<(u8, i32), Rejection> {
    match admit_dose(e, Some(born()), held, d(TODAY), reupload)? {
        Admission::New { dose_number, age } => Ok((dose_number.get(), age)),
        other => panic!("expected a new dose for {e:?}, got {other:?}"),
    }
}

#[test]
fn d12_2_a_ticket_issued_to_no_resident_is_rejected_naming_municipality_and_ticket() {
    let e = entry("2021-06-01", "comirnaty", "FA1234", 1);
    assert_eq!(
        admit_dose(&e, None, &[], d(TODAY), false),
        Err(Rejection::UnissuedTicket {
            municipality: area(),
            ticket_number: TicketNumber::from_u64(1234567890).unwrap(),
        })
    );
}

#[test]
fn d12_2_a_dose_dated_after_today_is_rejected_and_today_is_admitted() {
    let late = entry("2021-12-21", "comirnaty", "FA1234", 1);
    assert_eq!(
        admit(&late, &[], false),
        Err(Rejection::FutureDate {
            date: d("2021-12-21"),
            today: d(TODAY)
        })
    );
    assert_eq!(
        admit(&entry(TODAY, "comirnaty", "FA1234", 1), &[], false),
        Ok((1, 41))
    );
}

#[test]
fn d12_2_a_dose_dated_before_birth_is_rejected_and_the_birthday_is_admitted() {
    let early = entry("1980-06-14", "comirnaty", "FA1234", 1);
    assert_eq!(
        admit(&early, &[], false),
        Err(Rejection::BeforeBirth {
            date: d("1980-06-14")
        })
    );
    assert_eq!(
        admit(&entry("1980-06-15", "comirnaty", "FA1234", 1), &[], false),
        Ok((1, 0))
    );
}

#[test]
fn d12_2_the_age_is_in_whole_years_on_the_dose_date() {
    for (date, age) in [("2021-06-14", 40), ("2021-06-15", 41), ("2021-06-16", 41)] {
        assert_eq!(
            admit(&entry(date, "comirnaty", "FA1234", 1), &[], false),
            Ok((1, age)),
            "{date}"
        );
    }
}

#[test]
fn d12_2_the_same_dose_again_is_the_held_one_and_other_facts_of_that_day_are_not() {
    let h = [held(7, 1, "2021-06-01", "comirnaty", false)];
    let same = entry("2021-06-01", "comirnaty", "FA1234", 1);
    assert_eq!(
        admit_dose(&same, Some(born()), &h, d(TODAY), false),
        Ok(Admission::Existing(&h[0]))
    );
    for other in [
        entry("2021-06-01", "comirnaty", "ZZ9999", 1),
        entry("2021-06-01", "spikevax", "FA1234", 1),
    ] {
        assert_eq!(
            admit_dose(&other, Some(born()), &h, d(TODAY), false),
            Err(Rejection::DoseNumberHeld {
                dose_number: 1,
                held_by: id(7)
            }),
            "{other:?}"
        );
    }
}

#[test]
fn d12_2_a_reupload_replaces_an_unconfirmed_dose_of_the_day_and_keeps_a_confirmed_one() {
    let other_lot = entry("2021-06-01", "comirnaty", "ZZ9999", 1);
    let open = [held(7, 1, "2021-06-01", "comirnaty", false)];
    assert_eq!(
        admit_dose(&other_lot, Some(born()), &open, d(TODAY), true),
        Ok(Admission::Replace(&open[0]))
    );
    let locked = [held(7, 1, "2021-06-01", "comirnaty", true)];
    assert_eq!(
        admit_dose(&other_lot, Some(born()), &locked, d(TODAY), true),
        Ok(Admission::KeepConfirmed(&locked[0]))
    );
}

#[test]
fn d12_2_a_new_dose_takes_the_number_after_the_latest_earlier_dose() {
    let h = [
        held(1, 1, "2021-05-01", "comirnaty", false),
        held(2, 2, "2021-05-22", "comirnaty", false),
    ];
    assert_eq!(
        admit(&entry("2021-04-01", "comirnaty", "FA1234", 1), &[], false),
        Ok((1, 40))
    );
    // Between dose 1 and dose 2: it would be dose 2, which is held.
    assert_eq!(
        admit(&entry("2021-05-10", "comirnaty", "FA1234", 2), &h, false),
        Err(Rejection::DoseNumberHeld {
            dose_number: 2,
            held_by: id(2)
        })
    );
    // Before dose 1: it would be dose 1, which is held.
    assert_eq!(
        admit(&entry("2021-04-01", "comirnaty", "FA1234", 1), &h, false),
        Err(Rejection::DoseNumberHeld {
            dose_number: 1,
            held_by: id(1)
        })
    );
}

#[test]
fn d12_2_a_tenth_dose_is_rejected() {
    let h: Vec<HeldDose> = (1..=9u8)
        .map(|n| {
            let date = format!("2021-0{n}-01");
            held(u64::from(n), n, &date, "comirnaty", false)
        })
        .collect();
    assert_eq!(
        admit(&entry("2021-11-01", "comirnaty", "FA1234", 3), &h, false),
        Err(Rejection::TooManyDoses)
    );
}

#[test]
fn d12_2_a_dose_sooner_than_the_products_minimum_interval_is_rejected() {
    let h = [held(1, 1, "2021-05-01", "comirnaty", false)];
    assert_eq!(
        admit(&entry("2021-05-21", "comirnaty", "FA1234", 2), &h, false),
        Err(Rejection::TooSoon {
            previous: d("2021-05-01"),
            days: 20,
            min_days: 21,
            vaccine: product("comirnaty"),
        })
    );
    assert_eq!(
        admit(&entry("2021-05-22", "comirnaty", "FA1234", 2), &h, false),
        Ok((2, 40))
    );
}

#[test]
fn d12_2_the_interval_counts_from_the_latest_earlier_dose() {
    let h = [
        held(1, 1, "2021-05-01", "comirnaty", false),
        held(2, 2, "2021-05-22", "comirnaty", false),
    ];
    let Err(Rejection::TooSoon { previous, .. }) =
        admit(&entry("2021-06-30", "comirnaty", "FA1234", 3), &h, false)
    else {
        panic!("a third dose five weeks after the second is too soon");
    };
    assert_eq!(previous, d("2021-05-22"));
}

#[test]
fn t1_5_1_a_deleted_dose_cannot_be_changed_and_an_active_one_can() {
    let mut dose = stored();
    assert_eq!(changeable(&dose), Ok(()));
    dose.status = DoseStatus::EnteredInError;
    assert_eq!(
        changeable(&dose),
        Err(Rejection::Deleted { dose_id: id(5) })
    );
}

#[test]
fn t1_3_1_6_a_dose_is_given_where_the_venue_is() {
    let site: MunicipalityCode = "271004".parse().unwrap();
    for (principal, expected) in [
        (Principal::Site(site), site),
        (Principal::Municipality(site), site),
        (Principal::National, area()),
        (Principal::Operator, area()),
    ] {
        assert_eq!(vaccinated_in(principal, area()), expected, "{principal}");
    }
}

#[test]
fn t1_5_1_review_flags_say_why_in_the_words_the_holder_reads() {
    let site: MunicipalityCode = "271004".parse().unwrap();
    let e = entry("2021-06-01", "spikevax-booster", "FA1234", 3);
    let reasons: Vec<String> = review_reasons(
        &e,
        DoseNumber::new(1).unwrap(),
        Some((Principal::Site(site), site)),
        true,
    )
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        reasons,
        [
            "the ticket is for dose 3 but this is dose 1 of the person",
            "registered on behalf by site:271004 (vaccinated in 271004)",
            "lot FA1234 was not known for spikevax-booster before",
            "spikevax-booster is authorised as a booster only",
        ]
    );
}

#[test]
fn t1_5_1_an_ordinary_dose_is_not_flagged() {
    let e = entry("2021-06-01", "comirnaty", "FA1234", 2);
    assert_eq!(
        review_reasons(&e, DoseNumber::new(2).unwrap(), None, false),
        []
    );
    let booster = entry("2021-06-01", "spikevax-booster", "FA1234", 3);
    assert_eq!(
        review_reasons(&booster, DoseNumber::new(3).unwrap(), None, false),
        []
    );
}

fn stored() -> Dose {
    let jst = FixedOffset::east_opt(9 * 3600).unwrap();
    Dose {
        id: id(5),
        ticket_number: TicketNumber::from_u64(1234567890).unwrap(),
        dose_number: DoseNumber::new(2).unwrap(),
        date: d("2021-06-01"),
        vaccine: product("comirnaty"),
        lot: lot("FA1234"),
        venue: None,
        doctor: None,
        vaccinating_municipality: area(),
        registered_at: jst.with_ymd_and_hms(2021, 6, 1, 10, 0, 0).unwrap(),
        registered_by: Principal::Site(area()),
        on_behalf: false,
        status: DoseStatus::Active,
        confirmed: false,
        version: 1,
        carried_over: None,
    }
}

#[track_caller]
fn correct(c: &Correction, others: &[HeldDose]) -> Result<Corrected, Rejection> {
    correct_dose(&stored(), c, born(), others, d(TODAY))
}

#[test]
fn t1_5_1_a_correction_that_changes_nothing_is_rejected() {
    let same = Correction {
        date: Some(d("2021-06-01")),
        vaccine: Some(product("comirnaty")),
        lot: Some(lot("FA1234")),
        venue: None,
        doctor: None,
        dose_number: Some(DoseNumber::new(2).unwrap()),
    };
    assert_eq!(correct(&same, &[]), Err(Rejection::NoChange));
    assert_eq!(
        correct(&Correction::default(), &[]),
        Err(Rejection::NoChange)
    );
}

#[test]
fn t1_5_1_a_correction_of_any_one_field_is_admitted() {
    let cases = [
        Correction {
            date: Some(d("2021-06-02")),
            ..Correction::default()
        },
        Correction {
            vaccine: Some(product("spikevax")),
            ..Correction::default()
        },
        Correction {
            lot: Some(lot("ZZ9999")),
            ..Correction::default()
        },
        Correction {
            venue: Some("区役所".parse::<VenueName>().unwrap()),
            ..Correction::default()
        },
        Correction {
            doctor: Some("山田太郎".parse().unwrap()),
            ..Correction::default()
        },
        Correction {
            dose_number: Some(DoseNumber::new(3).unwrap()),
            ..Correction::default()
        },
    ];
    for c in cases {
        let got = correct(&c, &[]).unwrap_or_else(|r| panic!("{c:?} was rejected: {r}"));
        assert_eq!(got.date, c.date.unwrap_or(d("2021-06-01")), "{c:?}");
        assert_eq!(
            got.vaccine,
            c.vaccine.unwrap_or(product("comirnaty")),
            "{c:?}"
        );
        assert_eq!(got.lot, c.lot.clone().unwrap_or(lot("FA1234")), "{c:?}");
        assert_eq!(got.venue, c.venue, "{c:?}");
        assert_eq!(got.doctor, c.doctor, "{c:?}");
        assert_eq!(
            got.dose_number,
            c.dose_number.unwrap_or(DoseNumber::new(2).unwrap()),
            "{c:?}"
        );
        assert_eq!(got.age, 40, "{c:?}");
    }
}

#[test]
fn t1_5_1_a_corrected_date_after_today_or_before_birth_is_rejected() {
    let to = |date: &str| Correction {
        date: Some(d(date)),
        ..Correction::default()
    };
    assert_eq!(
        correct(&to("2021-12-21"), &[]),
        Err(Rejection::FutureDate {
            date: d("2021-12-21"),
            today: d(TODAY)
        })
    );
    assert_eq!(
        correct(&to("1980-06-14"), &[]),
        Err(Rejection::BeforeBirth {
            date: d("1980-06-14")
        })
    );
    assert_eq!(correct(&to("1980-06-15"), &[]).map(|c| c.age), Ok(0));
    assert_eq!(correct(&to(TODAY), &[]).map(|c| c.age), Ok(41));
}

#[test]
fn t1_5_1_a_corrected_dose_keeps_its_place_in_the_series() {
    let to = |date: &str| Correction {
        date: Some(d(date)),
        ..Correction::default()
    };
    let others = [
        held(1, 1, "2021-05-01", "comirnaty", false),
        held(3, 3, "2021-12-01", "comirnaty", false),
    ];
    for (date, other, other_date) in [
        ("2021-05-01", 1, "2021-05-01"),
        ("2021-04-30", 1, "2021-05-01"),
        ("2021-12-01", 3, "2021-12-01"),
        ("2021-12-02", 3, "2021-12-01"),
    ] {
        assert_eq!(
            correct(&to(date), &others),
            Err(Rejection::OutOfOrder {
                dose_number: 2,
                other: id(other),
                other_date: d(other_date),
            }),
            "{date}"
        );
    }
    assert_eq!(correct(&to("2021-11-30"), &others).map(|c| c.age), Ok(41));
}

#[test]
fn t1_5_1_a_corrected_number_held_by_another_dose_is_rejected() {
    let others = [held(1, 1, "2021-05-01", "comirnaty", false)];
    let c = Correction {
        dose_number: Some(DoseNumber::new(1).unwrap()),
        ..Correction::default()
    };
    assert_eq!(
        correct(&c, &others),
        Err(Rejection::DoseNumberHeld {
            dose_number: 1,
            held_by: id(1)
        })
    );
}

#[test]
fn t1_5_1_a_corrected_date_or_product_keeps_the_interval_after_the_latest_lower_dose() {
    // Listed out of date order, as the store may load them.
    let others = [
        held(1, 1, "2021-05-01", "comirnaty", false),
        held(9, 1, "2021-05-03", "comirnaty", false),
    ];
    let c = Correction {
        date: Some(d("2021-05-23")),
        ..Correction::default()
    };
    assert_eq!(
        correct(&c, &others),
        Err(Rejection::TooSoon {
            previous: d("2021-05-03"),
            days: 20,
            min_days: 21,
            vaccine: product("comirnaty"),
        })
    );
    let reversed = [others[1].clone(), others[0].clone()];
    let Err(Rejection::TooSoon { previous, .. }) = correct(&c, &reversed) else {
        panic!("20 days after the latest lower dose is too soon");
    };
    assert_eq!(previous, d("2021-05-03"));
    // Spikevax needs 28 days: the held date 2021-06-01 is 29 days after 2021-05-03.
    let spikevax = Correction {
        vaccine: Some(product("spikevax")),
        ..Correction::default()
    };
    assert!(correct(&spikevax, &others).is_ok());
    let late = [held(9, 1, "2021-05-10", "comirnaty", false)];
    assert!(matches!(
        correct(&spikevax, &late),
        Err(Rejection::TooSoon { min_days: 28, .. })
    ));
}

#[test]
fn t1_5_1_a_correction_of_lot_venue_or_doctor_does_not_reorder_the_series() {
    // A held dose on the same day would be out of order for a date change, but a
    // lot correction leaves the date, product and number as they are.
    let others = [held(1, 1, "2021-06-01", "comirnaty", false)];
    let c = Correction {
        lot: Some(lot("ZZ9999")),
        ..Correction::default()
    };
    assert_eq!(correct(&c, &others).map(|c| c.lot), Ok(lot("ZZ9999")));
}

#[test]
fn t1_5_1_the_audit_names_the_corrected_fields_in_a_fixed_order() {
    let c = Correction {
        dose_number: Some(DoseNumber::new(3).unwrap()),
        lot: Some(lot("ZZ9999")),
        date: Some(d("2021-06-02")),
        ..Correction::default()
    };
    assert_eq!(c.fields(), ["date", "lot", "dose_number"]);
    let all = Correction {
        date: Some(d("2021-06-02")),
        vaccine: Some(product("spikevax")),
        lot: Some(lot("ZZ9999")),
        venue: Some("区役所".parse().unwrap()),
        doctor: Some("山田太郎".parse().unwrap()),
        dose_number: Some(DoseNumber::new(3).unwrap()),
    };
    assert_eq!(
        all.fields(),
        ["date", "vaccine", "lot", "venue", "doctor", "dose_number"]
    );
}

#[test]
fn rejections_say_what_was_wrong_and_name_their_column() {
    let cases: [(Rejection, &str, &str); 10] = [
        (
            Rejection::UnissuedTicket {
                municipality: area(),
                ticket_number: TicketNumber::from_u64(1234567890).unwrap(),
            },
            "ticket number 1234567890 was not issued to any resident of 131016",
            "ocr_line",
        ),
        (
            Rejection::FutureDate {
                date: d("2021-12-21"),
                today: d(TODAY),
            },
            "vaccination date 2021-12-21 is after today (2021-12-20)",
            "date",
        ),
        (
            Rejection::BeforeBirth {
                date: d("1980-01-01"),
            },
            "vaccination date 1980-01-01 is before the person's birth",
            "date",
        ),
        (
            Rejection::DoseNumberHeld {
                dose_number: 2,
                held_by: id(7),
            },
            "the person already has dose 2 (131016-7)",
            "date",
        ),
        (
            Rejection::TooManyDoses,
            "the person already has nine doses",
            "date",
        ),
        (
            Rejection::TooSoon {
                previous: d("2021-05-01"),
                days: 20,
                min_days: 21,
                vaccine: product("comirnaty"),
            },
            "20 days after the previous dose of 2021-05-01; comirnaty needs at least 21",
            "date",
        ),
        (
            Rejection::NotFound { dose_id: id(7) },
            "no dose 131016-7",
            "date",
        ),
        (
            Rejection::Deleted { dose_id: id(7) },
            "dose 131016-7 was marked entered-in-error",
            "date",
        ),
        (
            Rejection::NoChange,
            "the correction changes nothing",
            "date",
        ),
        (
            Rejection::OutOfOrder {
                dose_number: 2,
                other: id(7),
                other_date: d("2021-05-01"),
            },
            "dose 2 would be out of order with 131016-7 of 2021-05-01",
            "date",
        ),
    ];
    for (rejection, text, column) in cases {
        assert_eq!(rejection.to_string(), text, "{rejection:?}");
        assert_eq!(rejection.column(), column, "{rejection:?}");
    }
}
