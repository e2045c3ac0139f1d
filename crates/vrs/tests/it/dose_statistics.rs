//! Dose statistics end to end: suppression for the State and prefectures, cells
//! that follow corrections, deletions and re-uploads, and consent withdrawal.

use vrs::domain::DoseId;
use vrs::{Answer, Correction, StatQuery, Vrs};

use crate::doses::{entry, p, register, with_residents};

#[test]
fn t1_4_6_a_cell_of_four_is_suppressed_for_the_state_and_exact_for_the_municipality() {
    let (_dir, mut vrs) = with_residents(&["131016", "011002"], 14);
    for t in 1..=4 {
        register(
            &mut vrs,
            "site:131016",
            &entry("131016", t, 1, "2021-06-01", "comirnaty", "FA5765"),
        )
        .unwrap();
    }
    for t in 1..=12 {
        register(
            &mut vrs,
            "site:011002",
            &entry("011002", t, 1, "2021-06-01", "comirnaty", "FA5765"),
        )
        .unwrap();
    }
    let by = StatQuery {
        by: vec!["municipality".parse().unwrap(), "dose".parse().unwrap()],
        ..StatQuery::default()
    };
    let json = |vrs: &mut Vrs, who: &str, q: &StatQuery| {
        let Answer::Done(s) = vrs.dose_statistics(p(who), q).unwrap() else {
            panic!("{who} refused")
        };
        serde_json::to_value(&s).unwrap()
    };
    let national = json(&mut vrs, "national", &by);
    // 12 is suppressed too (complementary suppression): the State's total of 16
    // minus a published 12 would give the suppressed 4 away.
    assert_eq!(
        national["rows"],
        serde_json::json!([
            {"municipality": "011002", "dose": "1", "count": null, "suppressed": true},
            {"municipality": "131016", "dose": "1", "count": null, "suppressed": true},
        ])
    );
    assert_eq!(national["min_cell_size"], 10);
    let own = json(&mut vrs, "municipality:131016", &by);
    assert_eq!(
        own["rows"],
        serde_json::json!([{"municipality": "131016", "dose": "1", "count": 4, "suppressed": false}])
    );
    assert_eq!(own["min_cell_size"], serde_json::Value::Null);
    // A prefecture sees its own municipalities only; the minimum cell size is configurable, never below 3.
    // Asking for less suppression than configured changes nothing; only the operator
    // configures it (T1-4-6), never below 3.
    let lower = json(
        &mut vrs,
        "prefecture:13",
        &StatQuery {
            min_cell: Some(3),
            ..by.clone()
        },
    );
    assert_eq!(
        lower["rows"],
        serde_json::json!([{"municipality": "131016", "dose": "1", "count": null, "suppressed": true}])
    );
    let Answer::Refused(r) = vrs.configure_statistics(p("national"), 3).unwrap() else {
        panic!("the State configured its own suppression")
    };
    assert_eq!(r.provisions(), ["T1-4-6"]);
    assert!(vrs.configure_statistics(p("operator"), 2).is_err());
    let Answer::Done(3) = vrs.configure_statistics(p("operator"), 3).unwrap() else {
        panic!()
    };
    let tokyo = json(&mut vrs, "prefecture:13", &by);
    assert_eq!(
        tokyo["rows"],
        serde_json::json!([{"municipality": "131016", "dose": "1", "count": 4, "suppressed": false}])
    );
    assert!(vrs
        .dose_statistics(
            p("national"),
            &StatQuery {
                min_cell: Some(2),
                ..by.clone()
            }
        )
        .is_err());
    let Answer::Refused(r) = vrs
        .dose_statistics(
            p("prefecture:13"),
            &StatQuery {
                municipality: Some("011002".parse().unwrap()),
                ..by.clone()
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-4-4"]);
    let Answer::Refused(r) = vrs
        .dose_statistics(
            p("municipality:131016"),
            &StatQuery {
                municipality: Some("011002".parse().unwrap()),
                ..by
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-4-3"]);
    let events = vrs
        .audit_search(None, Some("view_statistics"), None, 10)
        .unwrap();
    assert_eq!(
        events.len(),
        6,
        "every statistics query is audited, also the refused ones"
    );
    let _: DoseId = "131016-1".parse().unwrap();
}

#[test]
fn statistics_follow_corrections_deletions_and_re_uploads() {
    let (_dir, mut vrs) = with_residents(&["131016"], 3);
    let site = "site:131016";
    let a = register(
        &mut vrs,
        site,
        &entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    let b = register(
        &mut vrs,
        site,
        &entry("131016", 2, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    register(
        &mut vrs,
        site,
        &entry("131016", 3, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    let mine = p("municipality:131016");
    let fix = Correction {
        vaccine: Some("spikevax".parse().unwrap()),
        ..Correction::default()
    };
    let Answer::Done(Ok(_)) = vrs
        .correct_dose(mine, a.dose_id, &fix, "product misread")
        .unwrap()
    else {
        panic!()
    };
    let Answer::Done(Ok(_)) = vrs.delete_dose(mine, b.dose_id, "wrong person").unwrap() else {
        panic!()
    };
    let q = StatQuery {
        by: vec!["vaccine".parse().unwrap()],
        ..StatQuery::default()
    };
    let Answer::Done(s) = vrs.dose_statistics(mine, &q).unwrap() else {
        panic!()
    };
    let got: Vec<(String, Option<u64>)> = s
        .rows
        .iter()
        .map(|r| (r.keys[0].1.clone(), r.count))
        .collect();
    assert_eq!(
        got,
        [
            ("comirnaty".to_owned(), Some(1)),
            ("spikevax".to_owned(), Some(1))
        ]
    );
}

#[test]
fn t1_4_4_a_municipality_that_withdrew_its_consent_is_left_out_of_national_statistics() {
    let (_dir, mut vrs) = with_residents(&["131016", "011002"], 12);
    for t in 1..=12 {
        register(
            &mut vrs,
            "site:131016",
            &entry("131016", t, 1, "2021-06-01", "comirnaty", "FA5765"),
        )
        .unwrap();
        register(
            &mut vrs,
            "site:011002",
            &entry("011002", t, 1, "2021-06-01", "comirnaty", "FA5765"),
        )
        .unwrap();
    }
    let q = StatQuery {
        by: vec!["municipality".parse().unwrap()],
        ..StatQuery::default()
    };
    let municipalities = |vrs: &mut Vrs| {
        let Answer::Done(s) = vrs.dose_statistics(p("national"), &q).unwrap() else {
            panic!()
        };
        s.rows
            .iter()
            .map(|r| r.keys[0].1.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(municipalities(&mut vrs), ["011002", "131016"]);
    let Answer::Done(_) = vrs
        .revoke_consent(
            p("municipality:011002"),
            None,
            vrs::consent::DocumentId::Terms20211203,
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(municipalities(&mut vrs), ["131016"]);
}
