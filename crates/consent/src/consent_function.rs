//! The consent function: a municipality consents for itself, through VRS.

use vrs_domain::Principal;

use crate::decision::{Action, Finding, Request};
use crate::provision::cite;

/// Legal basis: N-2, T2-2-2, T1-11-2 (本文 2; 別紙2 第2条第2項; 別紙1 第11条第2項)
///
/// > Consent is given through a consent function in the municipality menu of VRS.
/// > Consent to this addendum is given through VRS's consent-confirmation function.
/// > A municipality's consent to these terms is given by the method the Agency specifies.
///
/// Interpretation: only the municipality itself (`municipality:X` acting on X) may
/// grant or revoke X's consent. The operator, the State, a prefecture, a vaccination
/// site and any other municipality are refused: no one consents for a municipality.
pub(crate) fn only_the_municipality_itself(req: &Request, out: &mut Vec<Finding>) {
    if !matches!(req.action, Action::GrantConsent | Action::RevokeConsent) {
        return;
    }
    match (req.principal, req.partition) {
        (Principal::Municipality(me), Some(target)) if me == target => out.push(Finding::met(
            cite("N-2"),
            format!("{me} gives its own consent through the consent function"),
        )),
        (principal, target) => {
            let whose = target.map_or("a municipality".to_owned(), |t| t.to_string());
            out.push(Finding::unmet(
                cite("N-2"),
                format!(
                    "{principal} cannot consent for {whose}: each municipality consents for itself"
                ),
            ));
            out.push(Finding::unmet(
                cite("T2-2-2"),
                "consent is given through the municipality's own use of the consent function",
            ));
        }
    }
}

/// Legal basis: T1-11-2 (別紙1 第11条第2項)
///
/// > A municipality's consent to these terms is given by the method the Agency specifies.
///
/// Interpretation: the Agency follows up on consents through the operator, so the
/// operator lists which municipalities have or have not consented. A municipality sees
/// its own consents (`consent show`), not the list of everyone's.
pub(crate) fn operator_lists_consents(req: &Request, out: &mut Vec<Finding>) {
    if req.action != Action::ListConsents {
        return;
    }
    if req.principal == Principal::Operator {
        out.push(Finding::met(
            cite("T1-11-2"),
            "the operator follows up on consents",
        ));
    } else {
        out.push(Finding::unmet(
            cite("T1-11-2"),
            format!(
                "{} cannot list every municipality's consents: the operator does",
                req.principal
            ),
        ));
    }
}

/// Legal basis: N-2 (本文 2)
///
/// > Consent is given through a consent function in the municipality menu of VRS.
///
/// Interpretation: a consent is given to a document, so it cannot take effect
/// before that document existed: the day a grant takes effect is never earlier
/// than the document's version date (backdating a consent to the 2021-12-03 terms
/// to November 2021 is refused). A later day, or today, is accepted.
pub(crate) fn not_before_the_document(req: &Request, out: &mut Vec<Finding>) {
    let (Action::GrantConsent, Some((document, effective))) = (req.action, req.consent) else {
        return;
    };
    let version = document.document().version;
    if effective < version {
        out.push(Finding::unmet(
            cite("N-2"),
            format!(
                "a consent to {document} cannot take effect on {effective}, before the document's version of {version}"
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// T1-11-2: the operator follows up on consents, so it lists every municipality's;
    /// a municipality is refused on the same provision (it sees only its own).
    #[test]
    fn t1_11_2_only_the_operator_lists_every_municipalitys_consents() {
        let chiyoda: Principal = "municipality:131016".parse().unwrap();
        for (principal, met) in [(Principal::Operator, true), (chiyoda, false)] {
            let mut out = Vec::new();
            operator_lists_consents(
                &Request::new(principal, Action::ListConsents, None),
                &mut out,
            );
            assert_eq!(out.len(), 1, "{principal}");
            assert_eq!(out[0].met, met, "{principal}");
            assert_eq!(out[0].ground.provision, cite("T1-11-2"), "{principal}");
        }
        let mut out = Vec::new();
        operator_lists_consents(
            &Request::new(Principal::Operator, Action::GrantConsent, None),
            &mut out,
        );
        assert!(out.is_empty(), "other actions are not this rule's");
    }
}
