//! Cross-municipality inquiry when a person moves (D12-3).

use chrono::NaiveDate;
use vrs_domain::Principal;

use crate::decision::{Action, Finding, Purpose, Request};
use crate::documents::DocumentId;
use crate::facts::Facts;
use crate::provision::cite;

/// Whether an inquiry needs the person's consent checkbox (N-4), as
/// the inquiry rule (`inquiry_basis`) reads it: always, except when the holder consents to the
/// addendum (`addendum-2021-12-03`) on the day and the purpose is sending a
/// vaccination ticket (T2-1-1, L13). Screens ask it before showing the form.
pub fn personal_consent_required(holder_consents_to_addendum: bool, purpose: Purpose) -> bool {
    !(holder_consents_to_addendum && purpose == Purpose::VaccinationTicket)
}

/// Legal basis: T1-3-1-5, T2-1-1, N-4, L13 (別紙1 第3条第1項第5号; 別紙2 第1条第1項; 本文 4; 別紙13)
///
/// > A holding municipality, by consenting in advance, provides its records to an
/// > inquiring municipality the person consented to; the inquiring municipality
/// > entering into VRS that it confirmed the person's consent counts as the holding
/// > municipality's confirmation (T1-3-1-5). Notwithstanding T1-3-1-5, a holding
/// > municipality that consented in advance may provide its data without personal
/// > consent (T2-1-1). If the holding municipality has not consented, inquiry is
/// > impossible without ticking the checkbox; with it ticked it is possible (N-4).
/// > Inquiry without consent rests on My Number Act art. 19 item 16 (L13).
///
/// Interpretation: only a municipality may inquire, and not of itself. When the
/// holder consents to the addendum (`addendum-2021-12-03`) on the day and the purpose
/// is sending a vaccination ticket, the inquiry proceeds on T2-1-1 and L13 whether or
/// not the checkbox is ticked (with it ticked, T1-3-1-5 applies as well). L13 covers
/// the ticket only: for a certificate or a record correction the checkbox is required
/// whatever the holder consented to (not ticked: refused citing L13 and T1-3-1-5).
/// Without the addendum the checkbox is required: ticked, the legal basis is
/// T1-3-1-5; not ticked, the inquiry is refused citing N-4 and T1-3-1-5. That the
/// holder consents to the base terms at all is the gate's rule (T1-2-3); a purpose
/// outside the list is the purpose rule's (M-9).
pub(crate) fn inquiry_basis(req: &Request, facts: &Facts, day: NaiveDate, out: &mut Vec<Finding>) {
    if req.action != Action::Inquire {
        return;
    }
    let (asking, holder) = match (req.principal, req.partition) {
        (Principal::Municipality(a), Some(h)) => (a, h),
        (Principal::Site(s), _) => {
            out.push(Finding::unmet(
                cite("T1-3-1-5"),
                format!("site {s} is not a municipality and cannot inquire"),
            ));
            return;
        }
        // The State, prefectures and the operator are refused by T1-4-6.
        _ => return,
    };
    if asking == holder {
        out.push(Finding::unmet(
            cite("T1-3-1-5"),
            format!(
                "{asking} holds these records itself: an inquiry is made of another municipality"
            ),
        ));
        return;
    }
    if !crate::inquiry_scope::is_listed(req.purpose) {
        return;
    }
    let addendum = facts.consents_to(holder, DocumentId::Addendum20211203, day);
    let without_consent =
        !personal_consent_required(addendum, req.purpose.unwrap_or(Purpose::Unlisted));
    if req.personal_consent {
        out.push(Finding::met(
            cite("T1-3-1-5"),
            format!("{asking} confirmed the person's consent (checkbox ticked)"),
        ));
    }
    if without_consent {
        out.push(Finding::met(
            cite("T2-1-1"),
            format!(
                "{holder} consented to provide its records without personal consent (addendum)"
            ),
        ));
        out.push(Finding::met(
            cite("L13"),
            "My Number Act art. 19 item 16: consent difficult to obtain in time",
        ));
    } else if !req.personal_consent && addendum {
        out.push(Finding::unmet(
            cite("L13"),
            "an inquiry without the person's consent rests on L13 only to send a vaccination ticket: tick the checkbox (--personal-consent) for a certificate or a record correction",
        ));
        out.push(Finding::unmet(
            cite("T1-3-1-5"),
            "for this purpose records are provided only with the person's consent confirmed by the inquiring municipality",
        ));
    } else if !req.personal_consent {
        out.push(Finding::unmet(
            cite("N-4"),
            format!("{holder} has not consented to the addendum: the inquiry needs the person's consent (tick the checkbox, --personal-consent)"),
        ));
        out.push(Finding::unmet(
            cite("T1-3-1-5"),
            "without the holder's consent to the addendum, records are provided only with the person's consent confirmed by the inquiring municipality",
        ));
    }
}
