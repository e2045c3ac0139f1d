//! A person who moves, through the facade: the holder must be the recorded previous
//! municipality (M-8), and a batch inquiry records each answer (D12-3).

use vrs::consent::DocumentId;
use vrs::domain::{parse_dose_date, DoseEntry, OcrLine, TicketNumber};
use vrs::{Answer, BatchInquiry, InquiryOptions, Principal};

use crate::support::{consent, file, fresh, moved_in, my_number};

fn p(s: &str) -> Principal {
    s.parse().unwrap()
}

const TICKET: InquiryOptions<'static> = InquiryOptions {
    personal_consent: false,
    purpose: "vaccination-ticket",
    record: false,
};

#[test]
fn m_8_a_holder_other_than_the_recorded_previous_municipality_answers_that_it_holds_nothing() {
    let (_dir, mut vrs) = fresh();
    for m in ["011002", "131041"] {
        consent(&mut vrs, m, DocumentId::Addendum20211203);
        // 新宿区 holds the same person too (resident 1 of 札幌市's numbering).
        let csv = file("011002", 2).replace("\n011002,", &format!("\n{m},"));
        let Answer::Done(o) = vrs
            .import_residents(p(&format!("municipality:{m}")), csv.as_bytes(), None, false)
            .unwrap()
        else {
            panic!("refused")
        };
        assert!(o.committed, "{:?}", o.errors);
    }
    // The person moved from 札幌市 to 千代田区, as 千代田区's records say.
    moved_in(&mut vrs, "011002", "131016", 1);
    let person = my_number(1 + 11_002_000).parse().unwrap();
    let ask = |vrs: &mut vrs::Vrs, holder: &str| match vrs
        .inquire(
            p("municipality:131016"),
            holder.parse().unwrap(),
            &person,
            TICKET,
        )
        .unwrap()
    {
        Answer::Done(a) => a.found,
        Answer::Refused(r) => panic!("{r}"),
    };
    assert!(ask(&mut vrs, "011002"), "the previous municipality answers");
    assert!(
        !ask(&mut vrs, "131041"),
        "another holder holds nothing for 千代田区"
    );
    let events = vrs
        .audit_search(Some("131041".parse().unwrap()), Some("inquire"), None, 10)
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["withheld"], true);
    assert_eq!(events[0].detail["found"], false);
}

#[test]
fn d12_3_a_batch_inquiry_with_record_carries_each_answer_over_and_refuses_whole_for_a_non_resident()
{
    let (_dir, mut vrs) = fresh();
    consent(&mut vrs, "011002", DocumentId::Addendum20211203);
    let Answer::Done(_) = vrs
        .import_residents(
            p("municipality:011002"),
            file("011002", 3).as_bytes(),
            None,
            false,
        )
        .unwrap()
    else {
        panic!("refused")
    };
    for i in [1, 2] {
        moved_in(&mut vrs, "011002", "131016", i);
        let entry = DoseEntry {
            ocr: OcrLine::new(
                1,
                1,
                "011002".parse().unwrap(),
                TicketNumber::from_u64(i).unwrap(),
            )
            .unwrap(),
            product: "comirnaty".parse().unwrap(),
            lot: "FA5765".parse().unwrap(),
            date: parse_dose_date("2021-06-01").unwrap(),
            venue: None,
            doctor: None,
        };
        let Answer::Done(Ok(_)) = vrs.register_dose(p("site:011002"), &entry).unwrap() else {
            panic!("not registered")
        };
    }
    let numbers: Vec<String> = (1..=3).map(|i| my_number(i + 11_002_000)).collect();
    let batch = |n: &[String]| format!("個人番号\n{}\n", n.join("\n"));
    let record = InquiryOptions {
        record: true,
        ..TICKET
    };
    // Person 3 did not move to 千代田区: the whole batch is refused, nothing recorded.
    let refused = vrs
        .inquire_batch(
            p("municipality:131016"),
            "011002".parse().unwrap(),
            batch(&numbers).as_bytes(),
            record,
        )
        .unwrap();
    let Answer::Refused(r) = refused else {
        panic!("allowed")
    };
    assert_eq!(r.provisions(), ["M-8", "T1-3-1-5"]);
    let Answer::Done(BatchInquiry::Answered(answers)) = vrs
        .inquire_batch(
            p("municipality:131016"),
            "011002".parse().unwrap(),
            batch(&numbers[..2]).as_bytes(),
            record,
        )
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(answers.len(), 2);
    for (_, a) in &answers {
        let recorded = a.recorded.as_ref().unwrap();
        assert_eq!(recorded.len(), 1);
        assert!(recorded[0].dose_id.is_some(), "{recorded:?}");
    }
    // Each person now holds the carried-over dose 1 in 千代田区's area.
    for i in [1, 2] {
        let lookup = vrs::Lookup::AddressNumber(format!("M{i}").parse().unwrap());
        let Answer::Done(doses) = vrs.list_doses(p("municipality:131016"), &lookup).unwrap() else {
            panic!("refused")
        };
        assert_eq!(doses.len(), 1);
        let from = doses[0].carried_over.map(|c| c.from.to_string());
        assert_eq!(from.as_deref(), Some("011002"));
    }
}
