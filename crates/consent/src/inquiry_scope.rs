//! What an inquiry may be about: a resident of the asking municipality, asked for a
//! purpose of a closed list, of the municipality the person lived in before (M-8, M-9).

use vrs_domain::{MunicipalityCode, Principal};

use crate::decision::{Action, Finding, Purpose, Request};
use crate::facts::{Facts, Residence};
use crate::provision::cite;

/// The purposes an inquiry may name, with their command-line names.
pub const INQUIRY_PURPOSES: [(&str, Purpose); 3] = [
    ("vaccination-ticket", Purpose::VaccinationTicket),
    ("certificate", Purpose::CertificateIssuance),
    ("record-correction", Purpose::RecordCorrection),
];

/// The purpose a caller's words name: one of [`INQUIRY_PURPOSES`], else
/// [`Purpose::Unlisted`] (which the rules refuse, citing M-9 and M-8).
pub fn inquiry_purpose(text: &str) -> Purpose {
    let text = text.trim();
    INQUIRY_PURPOSES
        .iter()
        .find(|(name, _)| *name == text)
        .map_or(Purpose::Unlisted, |(_, p)| *p)
}

/// The command-line name of an inquiry purpose, for messages.
fn purpose_name(p: Option<Purpose>) -> String {
    match p {
        None => "no stated purpose".to_owned(),
        Some(p) => INQUIRY_PURPOSES
            .iter()
            .find(|(_, q)| *q == p)
            .map_or_else(|| format!("{p:?}"), |(name, _)| (*name).to_owned()),
    }
}

/// Whether `p` is one of the inquiry's purposes.
pub(crate) fn is_listed(p: Option<Purpose>) -> bool {
    p.is_some_and(|p| INQUIRY_PURPOSES.iter().any(|(_, q)| *q == p))
}

/// Legal basis: M-9, M-8 (別紙6 覚書 第9条, 第8条)
///
/// > No use outside the contract's purpose; no provision to third parties (M-9).
/// > Collect only what is necessary, by fair means; My Number only as the Act
/// > allows (M-8).
///
/// Interpretation: a municipality inquires of another for one of three purposes of
/// the vaccination business: sending the ticket of the person's next dose
/// (`vaccination-ticket`), issuing a certificate (`certificate`) or correcting the
/// person's records (`record-correction`). Any other purpose (e.g. "marketing"), or
/// none, is outside the contract's purpose and collects what is not necessary: it is
/// refused citing M-9 and M-8. Which provision then allows the inquiry is the
/// inquiry rule's (T1-3-1-5, T2-1-1, N-4, L13).
pub(crate) fn inquiry_purpose_listed(req: &Request, out: &mut Vec<Finding>) {
    if req.action != Action::Inquire || !matches!(req.principal, Principal::Municipality(_)) {
        return;
    }
    if is_listed(req.purpose) {
        out.push(Finding::met(
            cite("M-9"),
            format!(
                "the inquiry serves the vaccination business: {}",
                purpose_name(req.purpose)
            ),
        ));
        return;
    }
    let list: Vec<&str> = INQUIRY_PURPOSES.iter().map(|(n, _)| *n).collect();
    out.push(Finding::unmet(
        cite("M-9"),
        format!(
            "an inquiry is made only for {}, not for {}",
            list.join(", "),
            purpose_name(req.purpose)
        ),
    ));
    out.push(Finding::unmet(
        cite("M-8"),
        "records are collected only where necessary for the vaccination business",
    ));
}

/// Legal basis: M-8, T1-3-1-5 (別紙6 覚書 第8条; 別紙1 第3条第1項第5号)
///
/// > Collect only what is necessary, by fair means; My Number only as the Act allows
/// > (M-8). A holding municipality provides its records to an inquiring municipality
/// > (T1-3-1-5): the one the person moved to (D12-3, L13).
///
/// Interpretation: a municipality asks only about a person who is its own resident,
/// found by the My Number given in its resident records. A My Number that is not
/// one of its residents' is refused citing M-8 and T1-3-1-5: records of someone who
/// did not move in are not necessary to it, and the My Number may be used only for
/// the person the business concerns.
pub(crate) fn subject_is_a_resident(req: &Request, facts: &Facts, out: &mut Vec<Finding>) {
    if req.action != Action::Inquire {
        return;
    }
    let Principal::Municipality(asking) = req.principal else {
        return;
    };
    match facts.subject_residence {
        Some(r) if r.municipality == asking => out.push(Finding::met(
            cite("M-8"),
            format!("the person is a resident of {asking}"),
        )),
        _ => {
            out.push(Finding::unmet(
                cite("M-8"),
                format!("the person is not a resident of {asking}: a municipality asks only about its own residents"),
            ));
            out.push(Finding::unmet(
                cite("T1-3-1-5"),
                format!(
                    "records are provided to the municipality the person moved to, and {asking} is not it"
                ),
            ));
        }
    }
}

/// Legal basis: M-8 (別紙6 覚書 第8条)
///
/// > Collect only what is necessary, by fair means.
///
/// Interpretation: when the asking municipality's resident records say where the
/// person lived before (転入前自治体コード), only that municipality's records are
/// necessary. Another holder answers that it holds nothing: the question was lawful,
/// so this is not a refusal, but no record of the person leaves that holder. When
/// nothing is recorded, the holder named in the inquiry answers.
pub fn holder_may_provide(residence: Option<&Residence>, holder: MunicipalityCode) -> bool {
    match residence.and_then(|r| r.previous_municipality) {
        Some(previous) => previous == holder,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_named_purposes_are_listed() {
        for (text, want) in [
            ("vaccination-ticket", Purpose::VaccinationTicket),
            (" certificate ", Purpose::CertificateIssuance),
            ("record-correction", Purpose::RecordCorrection),
            ("marketing", Purpose::Unlisted),
            ("Vaccination-Ticket", Purpose::Unlisted),
            ("", Purpose::Unlisted),
        ] {
            assert_eq!(inquiry_purpose(text), want, "{text:?}");
        }
    }

    #[test]
    fn a_refusal_names_the_purpose_by_its_command_line_name() {
        for (p, want) in [
            (None, "no stated purpose"),
            (Some(Purpose::VaccinationTicket), "vaccination-ticket"),
            (Some(Purpose::CertificateIssuance), "certificate"),
            (Some(Purpose::RecordCorrection), "record-correction"),
            (Some(Purpose::Unlisted), "Unlisted"),
        ] {
            assert_eq!(purpose_name(p), want, "{p:?}");
        }
    }
}
