//! The gate: no use of VRS without consent to the base terms.

use chrono::NaiveDate;
use vrs_domain::Principal;

use crate::decision::{Action, Finding, Request};
use crate::documents::DocumentId;
use crate::facts::Facts;
use crate::provision::cite;

/// Legal basis: T1-2-3 (別紙1 第2条第3項)
///
/// > A municipality uses VRS only after consenting (including its internal approval).
///
/// Interpretation: a municipality (acting as holder or as a vaccination site) that
/// consents to no version of the base terms (`terms-2021-03` or `terms-2021-12-03`)
/// on the day of the request is refused every use case — import, registration,
/// inquiry, export, issuance — except giving or withdrawing its own consent, which
/// is how it gets through the gate. A holding municipality without consent answers
/// no one, so the gate also applies to the holder of an inquiry.
pub(crate) fn consented_to_base_terms(
    req: &Request,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    // Consenting must be possible before consenting; electronic issuance has its
    // own consent rule (N-3), whose exact message the applicant must see; the
    // data is handed back at the end of a contract, consent withdrawn or not (M-13).
    if matches!(
        req.action,
        Action::GrantConsent
            | Action::RevokeConsent
            | Action::IssueCertificate
            | Action::ExportMunicipality
    ) {
        return;
    }
    let acting = match req.principal {
        Principal::Municipality(m) | Principal::Site(m) => Some(m),
        _ => None,
    };
    if let Some(m) = acting {
        if facts.consents_to_base_terms(m, day) {
            out.push(Finding::met(
                cite("T1-2-3"),
                format!("{m} consents to the base terms"),
            ));
        } else {
            out.push(Finding::unmet(
                cite("T1-2-3"),
                format!("{m} has not consented to the terms of use of VRS, so it cannot use VRS"),
            ));
        }
    }
    if req.action == Action::Inquire {
        if let Some(holder) = req.partition {
            if !facts.consents_to_base_terms(holder, day) {
                out.push(Finding::unmet(
                    cite("T1-2-3"),
                    format!("the holding municipality {holder} has not consented to the terms of use of VRS, so it provides data to no one"),
                ));
            }
        }
    }
}

/// Whether municipality `m`, holding `consents` (each document with the day it
/// takes effect), passes the T1-2-3 gate on `day`: the reading of
/// `consented_to_base_terms`, for screens that show whether it may use VRS.
pub fn may_use_vrs(
    m: vrs_domain::MunicipalityCode,
    consents: impl IntoIterator<Item = (DocumentId, NaiveDate)>,
    day: NaiveDate,
) -> bool {
    let mut facts = Facts::default();
    facts.consents.insert(m, consents.into_iter().collect());
    facts.consents_to_base_terms(m, day)
}

#[cfg(test)]
mod may_use_vrs_tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn t1_2_3_only_base_terms_in_force_on_the_day_let_a_municipality_use_vrs() {
        let m = "131016".parse().unwrap();
        for (consents, day, want) in [
            (vec![], "2022-01-10", false),
            (
                vec![(DocumentId::Terms202103, "2021-04-01")],
                "2022-01-10",
                true,
            ),
            (
                vec![(DocumentId::Terms20211203, "2022-01-10")],
                "2022-01-10",
                true,
            ),
            (
                vec![(DocumentId::Terms20211203, "2022-01-11")],
                "2022-01-10",
                false,
            ),
            (
                vec![(DocumentId::Addendum20211203, "2021-12-15")],
                "2022-01-10",
                false,
            ),
        ] {
            let held: Vec<(DocumentId, NaiveDate)> =
                consents.iter().map(|(doc, on)| (*doc, d(on))).collect();
            assert_eq!(may_use_vrs(m, held, d(day)), want, "{consents:?} on {day}");
        }
    }
}
