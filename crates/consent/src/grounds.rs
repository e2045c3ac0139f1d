//! The provisions cited outside [`crate::decide`]: by operations that are not a
//! legal decision about personal data (issuer keys, backups, a failed import)
//! but whose audit events and messages still name their basis, and the typed
//! readings of a decision other crates need (the provision basis of an inquiry
//! answer). vrs-consent owns every provision ID: the store, the facade and the
//! server cite through these, never through a string of their own.

use crate::decision::{Allowed, Refusal};
use crate::provision::ProvisionId;

/// T1-4-2: a certificate's issuer is the municipality that manages the record, so
/// each municipality's issuer key is managed (made, rotated, revoked) for it.
pub const ISSUER_KEYS: ProvisionId = ProvisionId::known("T1-4-2");

/// T1-9-1: municipalities manage their system users (IDs, passwords, devices).
pub const USERS_MANAGED: ProvisionId = ProvisionId::known("T1-9-1");

/// T1-5-3: municipalities back up their data in a separate area (backup, restore).
pub const BACKUP: ProvisionId = ProvisionId::known("T1-5-3");

/// T1-4-3: each municipality's data lives in its own logically separated area
/// (a row of another municipality's file is refused).
pub const OWN_AREA: ProvisionId = ProvisionId::known("T1-4-3");

/// S-1-3-3, S-3-3: access records and exception logs are kept, so a failed
/// operation is audited too.
pub const FAILURE_LOGGED: [ProvisionId; 2] =
    [ProvisionId::known("S-1-3-3"), ProvisionId::known("S-3-3")];

/// T1-3-1-5, T2-1-1, L13: the provisions on which a holder provides its records
/// to an inquiring municipality.
pub const PROVISION_BASIS: [ProvisionId; 3] = [
    ProvisionId::known("T1-3-1-5"),
    ProvisionId::known("T2-1-1"),
    ProvisionId::known("L13"),
];

/// P9-3: applications come only from the dedicated app, with anti-tampering measures.
pub const APP_ONLY: ProvisionId = ProvisionId::known("P9-3");

/// P9-6: traffic between the app and VRS is encrypted.
pub const TRAFFIC_ENCRYPTED: ProvisionId = ProvisionId::known("P9-6");

/// T1-10: the operator's emergency stop.
const EMERGENCY_STOP: ProvisionId = ProvisionId::known("T1-10");

/// N-3: the refusal the app answers with the exact text of N-3.
const NO_E_ISSUANCE: ProvisionId = ProvisionId::known("N-3");

/// The grounds of an allowed inquiry on which records are provided (those of
/// [`PROVISION_BASIS`] the decision cited), in the decision's order.
pub fn provision_basis(allowed: &Allowed) -> Vec<ProvisionId> {
    allowed
        .grounds()
        .iter()
        .map(|g| g.provision)
        .filter(|p| PROVISION_BASIS.contains(p))
        .collect()
}

/// Whether a refusal rests on the municipality not having consented to
/// electronic issuance (N-3), so the applicant is shown [`crate::N3_MESSAGE`].
pub fn refused_for_want_of_e_issuance_consent(refusal: &Refusal) -> bool {
    refusal.grounds.iter().any(|g| g.provision == NO_E_ISSUANCE)
}

/// Whether a refusal rests on an emergency stop (T1-10): the service is
/// unavailable rather than the request forbidden. A request to stop or resume
/// refused under T1-10 (only the operator may) is forbidden, not stopped.
pub fn refused_by_emergency_stop(refusal: &Refusal) -> bool {
    !matches!(
        refusal.request.action,
        crate::Action::EmergencyStop | crate::Action::EmergencyResume
    ) && refusal
        .grounds
        .iter()
        .any(|g| g.provision == EMERGENCY_STOP)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};

    use super::*;
    use crate::provision::provision_ids;
    use crate::{decide, Action, DocumentId, Facts, Purpose, Request, Residence};

    fn as_of() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2022-01-10T09:00:00+09:00").unwrap()
    }

    fn facts(consents: &[(&str, &[(DocumentId, &str)])]) -> Facts {
        let mut facts = Facts::default();
        for (code, docs) in consents {
            facts.consents.insert(
                code.parse().unwrap(),
                docs.iter()
                    .map(|(d, on)| (*d, on.parse().unwrap()))
                    .collect(),
            );
        }
        facts
    }

    #[test]
    fn t1_10_a_stop_asked_by_a_municipality_is_forbidden_and_a_stopped_function_is_unavailable() {
        let chiyoda = "municipality:131016".parse().unwrap();
        let consented = facts(&[("131016", &[(DocumentId::Terms20211203, "2021-12-10")])]);
        let asking = decide(
            &Request::new(chiyoda, Action::EmergencyStop, None),
            &consented,
            as_of(),
        );
        let refusal = asking.into_result().unwrap_err();
        assert_eq!(refusal.provisions(), ["T1-10"]);
        assert!(
            !refused_by_emergency_stop(&refusal),
            "forbidden, not stopped"
        );
        let mut stopped = consented.clone();
        stopped.stopped.insert(crate::Function::Import);
        let importing = Request::new(
            chiyoda,
            Action::ImportResidents,
            Some("131016".parse().unwrap()),
        );
        let refusal = decide(&importing, &stopped, as_of())
            .into_result()
            .unwrap_err();
        assert!(
            refused_by_emergency_stop(&refusal),
            "{:?}",
            refusal.provisions()
        );
    }

    #[test]
    fn t2_1_1_l13_the_basis_of_providing_records_is_what_the_decision_cited_of_it() {
        let mut request = Request::new(
            "municipality:131016".parse().unwrap(),
            Action::Inquire,
            Some("011002".parse().unwrap()),
        );
        request.purpose = Some(Purpose::VaccinationTicket);
        let mut f = facts(&[
            ("131016", &[(DocumentId::Terms20211203, "2021-12-10")]),
            (
                "011002",
                &[
                    (DocumentId::Terms20211203, "2021-12-10"),
                    (DocumentId::Addendum20211203, "2021-12-15"),
                ],
            ),
        ]);
        f.subject_residence = Some(Residence {
            municipality: "131016".parse().unwrap(),
            previous_municipality: None,
            moved_in_on: None,
        });
        let allowed = decide(&request, &f, as_of()).into_result().unwrap();
        let cited: Vec<&str> = allowed
            .grounds()
            .iter()
            .map(|g| g.provision.as_str())
            .collect();
        assert_eq!(cited, ["T1-2-3", "M-9", "M-8", "T2-1-1", "L13"]);
        let basis: Vec<&str> = provision_basis(&allowed)
            .iter()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(basis, ["T2-1-1", "L13"]);
        let correcting = Request::new(
            "municipality:131016".parse().unwrap(),
            Action::CorrectDose,
            Some("131016".parse().unwrap()),
        );
        let allowed = decide(&correcting, &f, as_of()).into_result().unwrap();
        assert!(provision_basis(&allowed).is_empty());
    }

    #[test]
    fn n_3_a_refusal_for_want_of_e_issuance_consent_is_told_apart_from_others() {
        let issue = Request::new(
            "municipality:011002".parse().unwrap(),
            Action::IssueCertificate,
            Some("011002".parse().unwrap()),
        );
        let refusal = decide(&issue, &Facts::default(), as_of())
            .into_result()
            .unwrap_err();
        assert!(refused_for_want_of_e_issuance_consent(&refusal));
        let read = Request::new(
            "national".parse().unwrap(),
            Action::ReadResident,
            Some("131016".parse().unwrap()),
        );
        let refusal = decide(&read, &Facts::default(), as_of())
            .into_result()
            .unwrap_err();
        assert_eq!(refusal.provisions(), ["T1-4-6"]);
        assert!(!refused_for_want_of_e_issuance_consent(&refusal));
        assert!(!refused_by_emergency_stop(&refusal));
    }

    #[test]
    fn t1_10_a_refusal_under_an_emergency_stop_is_told_apart_from_others() {
        let request = Request::new(
            "site:131016".parse().unwrap(),
            Action::RegisterDose,
            Some("131016".parse().unwrap()),
        );
        let mut f = facts(&[("131016", &[(DocumentId::Terms20211203, "2021-12-10")])]);
        f.stopped.insert(crate::Function::Registration);
        let refusal = decide(&request, &f, as_of()).into_result().unwrap_err();
        assert_eq!(refusal.provisions(), ["T1-10"]);
        assert!(refused_by_emergency_stop(&refusal));
        assert!(!refused_for_want_of_e_issuance_consent(&refusal));
    }

    #[test]
    fn every_ground_cited_outside_decide_is_a_provision_of_the_digest() {
        let cited = [
            ISSUER_KEYS,
            USERS_MANAGED,
            BACKUP,
            OWN_AREA,
            APP_ONLY,
            TRAFFIC_ENCRYPTED,
            EMERGENCY_STOP,
            NO_E_ISSUANCE,
        ]
        .into_iter()
        .chain(FAILURE_LOGGED)
        .chain(PROVISION_BASIS);
        for p in cited {
            assert!(
                provision_ids().contains(&p.as_str()),
                "{p} is not in the digest"
            );
            assert_eq!(ProvisionId::new(p.as_str()), Some(p), "{p}");
        }
    }
}
