//! T1-4-3, S-1-3-2, T1-4-6: a municipality sees only its own area; the State,
//! prefectures and the operator see no person.

use vrs::{Answer, Lookup, Principal};

use crate::support::{file, fresh, my_number};

fn p(s: &str) -> Principal {
    s.parse().unwrap()
}

#[test]
fn t1_4_3_municipality_a_cannot_read_or_count_b_by_any_lookup_and_refusals_are_audited() {
    let (_dir, mut vrs) = fresh();
    let a = p("municipality:131016");
    let b = p("municipality:011002");
    for (who, code) in [(a, "131016"), (b, "011002")] {
        let Answer::Done(o) = vrs
            .import_residents(who, file(code, 5).as_bytes(), None, false)
            .unwrap()
        else {
            panic!()
        };
        assert!(o.committed);
    }
    // B's resident 1, by every key, looked up by A in its own area: not there.
    let b_number = my_number(1 + 11_002_000);
    let lookups = [
        Lookup::MyNumber(b_number.parse().unwrap()),
        Lookup::TicketNumber("0000000001".parse().unwrap()),
        Lookup::AddressNumber("A1".parse().unwrap()),
    ];
    let Answer::Done(found) = vrs.find_resident(a, None, &lookups[0]).unwrap() else {
        panic!()
    };
    assert!(found.is_none(), "A found B's resident by My Number");
    // Ticket and address numbers repeat across municipalities: A finds its own resident, never B's.
    for l in &lookups[1..] {
        let Answer::Done(Some(r)) = vrs.find_resident(a, None, l).unwrap() else {
            panic!()
        };
        assert_eq!(r.municipality.to_string(), "131016", "{l:?}");
    }
    // Naming B's area explicitly is refused, by every lookup and for counting.
    let before = vrs
        .audit_search(None, None, Some("municipality:131016"), 1000)
        .unwrap()
        .len();
    for l in &lookups {
        let Answer::Refused(r) = vrs
            .find_resident(a, Some("011002".parse().unwrap()), l)
            .unwrap()
        else {
            panic!("{l:?} allowed")
        };
        assert_eq!(r.provisions(), ["T1-4-3", "S-1-3-2"], "{l:?}");
    }
    let Answer::Refused(r) = vrs
        .count_residents(a, Some("011002".parse().unwrap()))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-4-3", "S-1-3-2"]);
    let events = vrs
        .audit_search(None, None, Some("municipality:131016"), 1000)
        .unwrap();
    let refused: Vec<_> = events[before..]
        .iter()
        .filter(|e| e.outcome == "refused")
        .collect();
    assert_eq!(refused.len(), 4);
    assert!(refused
        .iter()
        .all(|e| e.municipality.as_deref() == Some("011002")));
    assert!(refused.iter().all(|e| e.grounds == ["T1-4-3", "S-1-3-2"]));
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn t1_4_6_the_state_prefectures_and_the_operator_read_no_person() {
    let (_dir, mut vrs) = fresh();
    vrs.import_residents(
        p("municipality:131016"),
        file("131016", 3).as_bytes(),
        None,
        false,
    )
    .unwrap();
    for who in ["national", "prefecture:13", "operator"] {
        let Answer::Refused(r) = vrs
            .find_resident(
                p(who),
                Some("131016".parse().unwrap()),
                &Lookup::AddressNumber("A1".parse().unwrap()),
            )
            .unwrap()
        else {
            panic!("{who} allowed")
        };
        assert_eq!(r.provisions(), ["T1-4-6"], "{who}");
        let Answer::Refused(r) = vrs
            .import_residents(p(who), file("131016", 1).as_bytes(), None, false)
            .unwrap()
        else {
            panic!("{who} import allowed")
        };
        assert_eq!(r.provisions(), ["T1-4-6"], "{who}");
    }
}

#[test]
fn a_site_cannot_read_residents_even_of_its_own_municipality() {
    let (_dir, mut vrs) = fresh();
    vrs.import_residents(
        p("municipality:131016"),
        file("131016", 1).as_bytes(),
        None,
        false,
    )
    .unwrap();
    let Answer::Refused(r) = vrs
        .find_resident(
            p("site:131016"),
            None,
            &Lookup::AddressNumber("A1".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-4-3"]);
}
