//! SharedVrs: many concurrent requests through one writer with group commit.

use std::sync::Arc;

use vrs::{Answer, Lookup, SharedError, SharedVrs, Vrs, VrsError};

use crate::doses::{entry, p};
use crate::support::fresh;

#[test]
fn many_concurrent_requests_are_all_answered_all_stored_and_the_audit_chain_verifies() {
    let (dir, mut vrs) = fresh();
    let Answer::Done(o) = vrs
        .import_residents(
            p("municipality:131016"),
            crate::support::file("131016", 400).as_bytes(),
            None,
            false,
        )
        .unwrap()
    else {
        panic!("refused")
    };
    assert!(o.committed);
    let shared = SharedVrs::spawn(vrs);
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for i in 0..50u64 {
                    let ticket = t * 50 + i + 1;
                    let e = entry("131016", ticket, 1, "2021-06-01", "comirnaty", "FA5765");
                    let r = shared
                        .run_blocking(move |vrs| vrs.register_dose(p("site:131016"), &e))
                        .unwrap();
                    let Answer::Done(Ok(reg)) = r else {
                        panic!("ticket {ticket}: {r:?}")
                    };
                    assert!(!reg.existing, "ticket {ticket}");
                    // Reads (audited too) interleave with the writes.
                    let n = shared
                        .run_blocking(|vrs| vrs.count_residents(p("municipality:131016"), None))
                        .unwrap();
                    assert!(matches!(n, Answer::Done(400)), "{n:?}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    shared.close();
    let mut vrs = Vrs::open(dir.path(), Box::new(crate::support::clock())).unwrap();
    for ticket in 1..=400u64 {
        let lookup = Lookup::TicketNumber(format!("{ticket:010}").parse().unwrap());
        let Answer::Done(doses) = vrs.list_doses(p("municipality:131016"), &lookup).unwrap() else {
            panic!("refused")
        };
        assert_eq!(doses.len(), 1, "ticket {ticket} is not stored");
    }
    let events = vrs
        .audit_search(None, Some("register_dose"), None, 10_000)
        .unwrap();
    assert_eq!(events.len(), 400, "one audit event per registration");
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn a_failed_request_rolls_back_alone_and_its_group_mates_are_kept() {
    let (dir, mut vrs) = fresh();
    let Answer::Done(_) = vrs
        .import_residents(
            p("municipality:131016"),
            crate::support::file("131016", 40).as_bytes(),
            None,
            false,
        )
        .unwrap()
    else {
        panic!("refused")
    };
    let shared = Arc::new(SharedVrs::spawn(vrs));
    let threads: Vec<_> = (1..=40u64)
        .map(|ticket| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let e = entry("131016", ticket, 1, "2021-06-01", "comirnaty", "FA5765");
                shared.run_blocking(move |vrs| {
                    let r = vrs.register_dose(p("site:131016"), &e)?;
                    if ticket % 2 == 0 {
                        // Written, then failed: its savepoint must roll back.
                        return Err(VrsError::BatchMismatch {
                            answered: 0,
                            asked: 1,
                        });
                    }
                    Ok(r)
                })
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let ticket = i as u64 + 1;
        let r = t.join().unwrap();
        if ticket % 2 == 0 {
            assert!(matches!(r, Err(SharedError::Vrs(_))), "ticket {ticket}");
        } else {
            assert!(matches!(r, Ok(Answer::Done(Ok(_)))), "ticket {ticket}");
        }
    }
    Arc::try_unwrap(shared).unwrap().close();
    let mut vrs = Vrs::open(dir.path(), Box::new(crate::support::clock())).unwrap();
    for ticket in 1..=40u64 {
        let lookup = Lookup::TicketNumber(format!("{ticket:010}").parse().unwrap());
        let Answer::Done(doses) = vrs.list_doses(p("municipality:131016"), &lookup).unwrap() else {
            panic!("refused")
        };
        let expected = usize::from(ticket % 2 == 1);
        assert_eq!(doses.len(), expected, "ticket {ticket}");
    }
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn a_caller_whose_request_panics_does_not_leak_into_the_next_request() {
    let (_dir, vrs) = fresh();
    let shared = SharedVrs::spawn(vrs);
    let clerk = vrs::Caller {
        principal: p("municipality:131016"),
        actor: vrs::domain::Actor::User {
            login: "clerk".parse().unwrap(),
        },
        role: Some(vrs::domain::Role::Clerk),
        my_number_handler: true,
    };
    let seen = clerk.clone();
    let r = shared.run_blocking(move |vrs| {
        vrs.with_caller(clerk, |vrs| -> Result<(), VrsError> {
            assert_eq!(vrs.caller(), Some(&seen));
            panic!("a use case panicked");
        })
    });
    assert!(matches!(r, Err(SharedError::Panicked)), "{r:?}");
    // The next request on the same writer runs as nobody: no caller, and its
    // audit event names no actor.
    let (caller, actor) = shared
        .run_blocking(|vrs| {
            let caller = vrs.caller().cloned();
            vrs.count_residents(p("municipality:131016"), None)?;
            let last = vrs.audit_search(None, Some("count_residents"), None, 1)?;
            Ok((caller, last[0].actor.clone()))
        })
        .unwrap();
    assert_eq!((caller, actor), (None, None));
    shared.close();
}

#[test]
fn plain_reads_run_on_the_reader_pool_while_the_writer_is_busy() {
    let (dir, mut vrs) = fresh();
    let chiyoda = p("municipality:131016");
    let terms = vrs::consent::DocumentId::Terms20211203;
    let Answer::Done(_) = vrs
        .grant_consent(chiyoda, None, terms, None, Some("mayor"))
        .unwrap()
    else {
        panic!("refused")
    };
    let readers = (0..4)
        .map(|_| Vrs::open_reader(dir.path(), Box::new(crate::support::clock())).unwrap())
        .collect();
    let shared = SharedVrs::spawn_with_readers(vrs, readers);
    // The writer is held inside a request (its group's transaction is open) ...
    let (entered_tx, entered) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let writer = shared.clone();
    let busy = std::thread::spawn(move || {
        writer.run_blocking(move |_vrs| {
            entered_tx.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        })
    });
    entered.recv().unwrap();
    // ... and 8 parallel plain reads are answered all the same, with what was committed.
    let m = "131016".parse().unwrap();
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|_| shared.read_blocking(move |vrs| vrs.consent_view(m)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for r in reads {
        for view in r.join().unwrap() {
            let view = view.unwrap();
            assert!(view.may_use_vrs, "a reader missed the committed consent");
        }
    }
    release.send(()).unwrap();
    busy.join().unwrap().unwrap();
    shared.close();
}

/// The writer keeps the consent facts between requests; every way they can
/// change must reach the next decision.
#[test]
fn the_writer_sees_every_change_of_the_consent_facts_at_the_next_request() {
    use vrs::consent::{DocumentId, Function};
    let (dir, vrs) = fresh();
    let chiyoda = p("municipality:131016");
    let shared = SharedVrs::spawn(vrs);
    let count = |shared: &SharedVrs| {
        shared
            .run_blocking(move |vrs| vrs.count_residents(chiyoda, None))
            .unwrap()
    };
    assert!(matches!(count(&shared), Answer::Done(0)));

    // Another process (the CLI) revokes the consent: the writer's next request is refused.
    let mut cli = Vrs::open(dir.path(), Box::new(crate::support::clock())).unwrap();
    let r = cli
        .revoke_consent(chiyoda, None, DocumentId::Terms20211203)
        .unwrap();
    assert!(matches!(r, Answer::Done(_)), "{r:?}");
    assert!(matches!(count(&shared), Answer::Refused(_)));

    // A request that grants the consent and reads under it, then fails: its
    // savepoint is rolled back, and so is what the writer had read.
    let failed = shared.run_blocking(move |vrs| -> Result<(), VrsError> {
        let g = vrs.grant_consent(chiyoda, None, DocumentId::Terms20211203, None, Some("t"))?;
        assert!(matches!(g, Answer::Done(_)), "{g:?}");
        let n = vrs.count_residents(chiyoda, None)?;
        assert!(matches!(n, Answer::Done(0)), "{n:?}");
        panic!("the request fails after reading under its own grant");
    });
    assert!(matches!(failed, Err(SharedError::Panicked)), "{failed:?}");
    assert!(matches!(count(&shared), Answer::Refused(_)));

    // The writer's own grant holds at its next request.
    let g = shared
        .run_blocking(move |vrs| {
            vrs.grant_consent(chiyoda, None, DocumentId::Terms20211203, None, Some("t"))
        })
        .unwrap();
    assert!(matches!(g, Answer::Done(_)), "{g:?}");
    assert!(matches!(count(&shared), Answer::Done(0)));

    // An emergency stop by the operator through the writer, then its resume.
    let operator = p("operator");
    let s = shared
        .run_blocking(move |vrs| vrs.emergency_stop(operator, Function::All, "drill"))
        .unwrap();
    assert!(matches!(s, Answer::Done(_)), "{s:?}");
    assert!(matches!(count(&shared), Answer::Refused(_)));
    let r = cli.emergency_resume(operator, Function::All).unwrap();
    assert!(matches!(r, Answer::Done(_)), "{r:?}");
    assert!(matches!(count(&shared), Answer::Done(0)));
    shared.close();
}
