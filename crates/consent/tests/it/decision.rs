//! A decision splits into the `Allowed` proof (what the store is given) or the
//! `Refusal` (what the caller reports and the audit log records), each carrying the
//! request, the time and the provisions it rests on.

use chrono::{DateTime, FixedOffset};
use vrs_consent::{decide, Action, DocumentId, Facts, Outcome, Request};

fn as_of() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2021-12-20T09:00:00+09:00").unwrap()
}

fn consenting(codes: &[&str]) -> Facts {
    let mut facts = Facts::default();
    for code in codes {
        facts.consents.insert(
            code.parse().unwrap(),
            [(DocumentId::Terms202103, "2021-04-01".parse().unwrap())]
                .into_iter()
                .collect(),
        );
    }
    facts
}

#[test]
fn an_allowed_proof_carries_the_request_the_time_and_its_legal_basis() {
    let request = Request::new(
        "municipality:131016".parse().unwrap(),
        Action::CorrectDose,
        Some("131016".parse().unwrap()),
    );
    let decision = decide(&request, &consenting(&["131016"]), as_of());
    assert_eq!(decision.outcome, Outcome::Allowed);
    let grounds = decision.grounds.clone();
    let allowed = decision.into_result().unwrap();
    assert_eq!(allowed.request(), &request);
    assert_eq!(allowed.principal(), request.principal);
    assert_eq!(allowed.action(), Action::CorrectDose);
    assert_eq!(allowed.partition(), Some("131016".parse().unwrap()));
    assert_eq!(allowed.as_of(), as_of());
    assert_eq!(allowed.grounds(), grounds.as_slice());
    let basis: Vec<&str> = allowed
        .grounds()
        .iter()
        .map(|g| g.provision.as_str())
        .collect();
    assert_eq!(basis, ["T1-2-3", "T1-4-3", "T1-5-1"]);
}

#[test]
fn a_refusal_carries_the_request_the_time_and_every_unmet_provision() {
    let request = Request::new(
        "municipality:131016".parse().unwrap(),
        Action::ReadResident,
        Some("011002".parse().unwrap()),
    );
    let refusal = decide(&request, &consenting(&["131016"]), as_of())
        .into_result()
        .unwrap_err();
    assert_eq!(refusal.request, request);
    assert_eq!(refusal.as_of, as_of());
    assert_eq!(refusal.provisions(), ["T1-4-3", "S-1-3-2"]);
    let text = refusal.to_string();
    assert!(
        text.starts_with("refused: T1-4-3 (別紙1 第4条第3項) "),
        "{text}"
    );
    assert!(text.contains(" S-1-3-2 (別紙3–5 仕様書 1.3.2) "), "{text}");
}

#[test]
fn an_allowed_proof_opens_only_its_own_action_and_names_its_partition() {
    let request = Request::new(
        "municipality:131016".parse().unwrap(),
        Action::CorrectDose,
        Some("131016".parse().unwrap()),
    );
    let allowed = decide(&request, &consenting(&["131016"]), as_of())
        .into_result()
        .unwrap();
    assert_eq!(allowed.check(Action::CorrectDose), Ok(&allowed));
    assert_eq!(
        allowed.partition_for(Action::CorrectDose),
        Ok("131016".parse().unwrap())
    );
    let wrong = vrs_consent::WrongProof {
        expected: Action::DeleteDose.as_str(),
        got: Action::CorrectDose.as_str(),
    };
    assert_eq!(allowed.check(Action::DeleteDose), Err(wrong));
    assert_eq!(allowed.partition_for(Action::DeleteDose), Err(wrong));
    assert_eq!(
        wrong.to_string(),
        format!(
            "permission proof is for {}, not {}",
            Action::CorrectDose.as_str(),
            Action::DeleteDose.as_str()
        )
    );

    let operator = Request::new(
        "operator".parse().unwrap(),
        Action::ConfigureStatistics,
        None,
    );
    let allowed = decide(&operator, &Facts::default(), as_of())
        .into_result()
        .unwrap();
    assert_eq!(allowed.check(Action::ConfigureStatistics), Ok(&allowed));
    assert_eq!(
        allowed.partition_for(Action::ConfigureStatistics),
        Err(vrs_consent::WrongProof {
            expected: "a partition",
            got: "none",
        })
    );
}
