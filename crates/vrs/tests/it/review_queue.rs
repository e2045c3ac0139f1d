//! The review queue (T1-5-1): doses registered on behalf of a municipality are
//! flagged for its review; the staff home page reads the queue's head.

use vrs::Answer;

use crate::doses::{entry, p, register, with_residents};

#[test]
fn t1_5_1_the_review_queue_head_counts_every_flagged_dose_and_lists_only_the_first() {
    let (_dir, mut vrs) = with_residents(&["011002", "131016"], 3);
    for ticket in 1..=3 {
        let r = register(
            &mut vrs,
            "site:131016",
            &entry("011002", ticket, 1, "2021-06-01", "comirnaty", "FA5765"),
        )
        .unwrap();
        assert!(r.on_behalf, "flagged for review as registered on behalf");
    }
    let sapporo = p("municipality:011002");
    let Answer::Done(all) = vrs.review_doses(sapporo).unwrap() else {
        panic!()
    };
    assert_eq!(all.len(), 3);
    let Answer::Done((total, head)) = vrs.review_head(sapporo, 2).unwrap() else {
        panic!()
    };
    assert_eq!(total, 3);
    assert_eq!(head, all[..2], "the first two in the queue's order");
    let Answer::Done((total, head)) = vrs.review_head(p("municipality:131016"), 2).unwrap() else {
        panic!()
    };
    assert_eq!((total, head.len()), (0, 0), "131016's own queue is empty");
    let Answer::Refused(r) = vrs.review_head(p("site:131016"), 2).unwrap() else {
        panic!("a site read the review queue")
    };
    assert!(!r.provisions().is_empty());
    let events = vrs
        .audit_search(
            Some("011002".parse().unwrap()),
            Some("review_doses"),
            None,
            10,
        )
        .unwrap();
    assert_eq!(events.len(), 2, "each read of the queue is audited");
}
