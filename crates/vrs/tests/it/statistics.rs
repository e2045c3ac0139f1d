//! Statistics given to the State and prefectures: no suppressed cell can be
//! recovered from the totals of the same query (T1-4-6).

use vrs::{Answer, StatQuery};

use crate::doses::{entry, p, register, with_residents};

#[test]
fn t1_4_6_no_suppressed_cell_is_derivable_from_the_total_of_the_same_query() {
    // 25 doses in 011002 and 1 in 131016: the State's total of 26 minus 25 would
    // give the suppressed 1 away unless 25 is suppressed too.
    let (_dir, mut vrs) = with_residents(&["131016", "011002"], 25);
    register(
        &mut vrs,
        "site:131016",
        &entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    for t in 1..=25 {
        register(
            &mut vrs,
            "site:011002",
            &entry("011002", t, 1, "2021-06-01", "comirnaty", "FA5765"),
        )
        .unwrap();
    }
    let mut stats = |q: StatQuery| {
        let Answer::Done(s) = vrs.dose_statistics(p("national"), &q).unwrap() else {
            panic!("refused")
        };
        s.rows
    };
    let total: u64 = stats(StatQuery::default())[0].count.unwrap();
    assert_eq!(total, 26);
    let rows = stats(StatQuery {
        by: vec!["municipality".parse().unwrap()],
        ..StatQuery::default()
    });
    let published: u64 = rows.iter().filter_map(|r| r.count).sum();
    let hidden = rows.iter().filter(|r| r.suppressed).count();
    assert!(
        hidden >= 2 && total - published >= 10,
        "{hidden} suppressed, {} recoverable from {rows:?}",
        total - published
    );
}
