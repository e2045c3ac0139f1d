//! Registering doses: a vaccination venue registers what it gave, for its own
//! municipality's residents and, on their behalf, for other municipalities' residents.

use chrono::NaiveDate;
use vrs_domain::Principal;

use crate::decision::{Finding, Request};
use crate::facts::Facts;
use crate::provision::cite;

/// Legal basis: D12-2 (別紙12 D12-2)
///
/// > Vaccination venues read tickets with AI-OCR and send the records, so records are
/// > known promptly.
///
/// Interpretation: a `site:X` principal registers doses of residents of X in X's
/// area; the holding `municipality:X` may add a record to its own area too (T1-5-1
/// "correct, add, delete"). A municipality never writes into another's area (the
/// on-behalf path belongs to vaccination venues, T1-3-1-6). The State, prefectures
/// and the operator are refused by the statistics-only rule (T1-4-6).
pub(crate) fn venue_registers(
    req: &Request,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    if !req.action.is_registration() {
        return;
    }
    match (req.principal, req.partition) {
        (Principal::Site(site), Some(home)) if site == home => out.push(Finding::met(
            cite("D12-2"),
            format!("venue of {site} registers a dose of its own municipality's resident"),
        )),
        (Principal::Site(site), Some(home)) => on_behalf(site, home, facts, day, out),
        (Principal::Municipality(me), Some(home)) if me == home => out.push(Finding::met(
            cite("T1-5-1"),
            format!("{me} adds a record to its own area"),
        )),
        (Principal::Municipality(me), Some(home)) => out.push(Finding::unmet(
            cite("T1-4-3"),
            format!(
                "{me} may not write into the area of {home}; only a vaccination venue registers on another municipality's behalf (T1-3-1-6)"
            ),
        )),
        (Principal::Site(_) | Principal::Municipality(_), None) => out.push(Finding::unmet(
            cite("S-1-3-2"),
            "a registration must name the residence municipality whose area it writes",
        )),
        (Principal::National | Principal::Prefecture(_) | Principal::Operator, _) => {}
    }
}

/// Legal basis: T1-3-1-6, T1-3-2 (別紙1 第3条第1項第6号, 第3条第2項)
///
/// > A residence municipality lets a vaccination-site municipality register, as the
/// > residence municipality's data, records of its residents vaccinated at the site's
/// > venues. The site registers on the residence municipality's behalf; that data
/// > contains no My Number. Consent to the terms implies consent to T1-3-1-6.
///
/// Interpretation: a venue of municipality S may register a dose into the area of
/// residence municipality R ≠ S; the dose is R's data, marked as registered on R's
/// behalf, and the store keeps no My Number with it (doses never hold one, and the
/// audit event of an on-behalf registration names no subject). Consent to the base
/// terms (T1-2-3) is checked by the consent gate for the site's municipality; the
/// residence municipality lets others register for it only by its own consent to
/// the terms (T1-3-2), so without that consent the on-behalf registration is refused.
fn on_behalf(
    site: vrs_domain::MunicipalityCode,
    home: vrs_domain::MunicipalityCode,
    facts: &Facts,
    day: NaiveDate,
    out: &mut Vec<Finding>,
) {
    if facts.consents_to_base_terms(home, day) {
        out.push(Finding::met(
            cite("T1-3-1-6"),
            format!("venue of {site} registers on behalf of the residence municipality {home}, without any My Number"),
        ));
    } else {
        out.push(Finding::unmet(
            cite("T1-3-1-6"),
            format!("the residence municipality {home} has not consented to the terms (T1-3-2), so no venue registers on its behalf"),
        ));
    }
}
