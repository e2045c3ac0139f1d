//! Users and devices: who manages them (T1-9-1), what each role may do (T1-9-1),
//! and who may touch My Numbers (M-4-2).

use vrs_domain::{Principal, Role};

use crate::decision::{Action, Finding, Request};
use crate::facts::Facts;
use crate::provision::cite;

/// Legal basis: T1-9-1, S-3-3 (別紙1 第9条第1項; 仕様書 3.3)
///
/// > Municipalities manage their system users: efficient and proper use; manage IDs,
/// > passwords and devices so VRS is not misused; prevent leaks, loss and tampering.
/// > (S-3-3) Security: logs and evidence of intrusion, with detection and notification.
///
/// Interpretation: each municipality manages the users of its own area and the
/// devices (tablets) of its own vaccination sites, and no other's. The system
/// operator manages the users of the operator, the prefectures and the State, which
/// hold no area; it never manages a municipality's users: it only hands the
/// municipality's first administrator a one-time enrolment code, out of band. No
/// one else manages accounts. Reading the intrusion signals of the whole system
/// (S-3-3) is the operator's; searching the audit log (S-3-3 "log search", with
/// access control on logs) is each municipality's for its own area only.
pub(crate) fn accounts_managed_by_their_holder(req: &Request, out: &mut Vec<Finding>) {
    let finding = match (req.action, req.principal, req.partition) {
        (Action::ManageUsers | Action::ManageDevices, Principal::Municipality(me), Some(area))
            if me == area =>
        {
            Finding::met(
                cite("T1-9-1"),
                format!("{me} manages the users and devices of its own area"),
            )
        }
        (Action::ManageUsers | Action::ManageDevices, Principal::Municipality(me), Some(area)) => {
            Finding::unmet(
                cite("T1-9-1"),
                format!("{me} may not manage the users or devices of {area}"),
            )
        }
        (Action::ManageUsers, Principal::Operator, None) => Finding::met(
            cite("T1-9-1"),
            "the operator manages the users of the operator, the prefectures and the State",
        ),
        (Action::ManageUsers, Principal::Operator, Some(area)) => Finding::unmet(
            cite("T1-9-1"),
            format!(
                "the operator does not manage the users of {area}: it hands its first \
                 administrator an enrolment code"
            ),
        ),
        (Action::ManageUsers | Action::ManageDevices, who, _) => Finding::unmet(
            cite("T1-9-1"),
            format!(
                "{who} manages no users or devices: each municipality manages its own, the \
                 operator those without an area"
            ),
        ),
        (Action::IssueEnrolment, Principal::Operator, Some(area)) => Finding::met(
            cite("T1-9-1"),
            format!("the operator hands {area}'s first administrator an enrolment code"),
        ),
        (Action::IssueEnrolment, who, _) => Finding::unmet(
            cite("T1-9-1"),
            format!(
                "{who} cannot issue enrolment codes: only the operator, for a named municipality"
            ),
        ),
        (Action::ReadAlerts, Principal::Operator, _) => Finding::met(
            cite("S-3-3"),
            "the operator watches the intrusion signals of the whole system",
        ),
        (Action::ReadAlerts, who, _) => Finding::unmet(
            cite("S-3-3"),
            format!("{who} cannot read the intrusion signals: only the operator can"),
        ),
        (Action::SearchAudit, Principal::Municipality(me), Some(area)) if me == area => {
            Finding::met(
                cite("S-3-3"),
                format!("{me} searches the audit log of its own area"),
            )
        }
        (Action::SearchAudit, who, area) => Finding::unmet(
            cite("S-3-3"),
            format!(
                "{who} may not search the audit log of {}: access to logs is each \
                 municipality's, for its own area",
                area.map_or_else(|| "the whole system".to_owned(), |a| a.to_string())
            ),
        ),
        _ => return,
    };
    out.push(finding);
}

/// What each role may do: admins manage users, devices, consents and the
/// operator's settings; clerks work on residents, doses and inquiries; every
/// role sees statistics.
fn role_permits(role: Role, action: Action) -> bool {
    use Action as A;
    let statistics = matches!(action, A::ViewStatistics);
    statistics
        || match role {
            Role::Admin => matches!(
                action,
                A::ManageUsers
                    | A::ManageDevices
                    | A::IssueEnrolment
                    | A::ReadAlerts
                    | A::SearchAudit
                    | A::GrantConsent
                    | A::RevokeConsent
                    | A::ListConsents
                    | A::EmergencyStop
                    | A::EmergencyResume
                    | A::RotateIssuerKey
                    | A::ConfigureBarcodeSigner
                    | A::ConfigureStatistics
                    | A::ImportPopulation
            ),
            Role::Clerk => matches!(
                action,
                A::ImportResidents
                    | A::ReadResident
                    | A::CountResidents
                    | A::Inquire
                    | A::ReadIndividualData
                    | A::RegisterDose
                    | A::ImportDoses
                    | A::ReadDoses
                    | A::CorrectDose
                    | A::DeleteDose
                    | A::ConfirmDose
                    | A::ReviewDoses
                    | A::ExportLedger
                    | A::IssueCertificate
                    | A::ListTicketsDue
            ),
            Role::Viewer => false,
        }
}

/// Legal basis: T1-9-1 (別紙1 第9条第1項)
///
/// > Municipalities manage their system users ... manage IDs, passwords and devices
/// > so VRS is not misused.
///
/// Interpretation: a signed-in user acts only within its role: `admin` manages
/// users, devices and consents and searches its own area's audit log (and, for
/// the operator's users, the operator's
/// settings: emergency stop, keys, statistics, the barcode signer, alerts);
/// `clerk` imports and reads residents, registers and manages doses, inquires and
/// issues certificates; `viewer` sees statistics. Every role sees statistics.
/// Duties are separated: an admin does not read residents. The local
/// administrator (the OS user owning the data directory, on the CLI), devices and
/// the app have no role; their principal alone is decided.
pub(crate) fn user_acts_within_role(req: &Request, facts: &Facts, out: &mut Vec<Finding>) {
    let Some(user) = facts.user else { return };
    if role_permits(user.role, req.action) {
        out.push(Finding::met(
            cite("T1-9-1"),
            format!("a user of role {} may {}", user.role, req.action.as_str()),
        ));
    } else {
        out.push(Finding::unmet(
            cite("T1-9-1"),
            format!(
                "a user of role {} may not {}: its municipality gave it no such role",
                user.role,
                req.action.as_str()
            ),
        ));
    }
}

/// Legal basis: M-4-2 (別紙6 覚書 第4条第2項)
///
/// > Only designated handlers may touch specific personal information.
///
/// Interpretation: specific personal information is personal information holding
/// a My Number. A signed-in user not marked as a My Number handler may not import
/// a resident file (it carries My Numbers), look a resident up by My Number, or
/// inquire about a person by My Number. Devices have no such mark and their
/// principal (`site:CODE`) reads no residents (T1-4-3); the local administrator
/// is the data directory's owner.
pub(crate) fn my_number_handlers_only(req: &Request, facts: &Facts, out: &mut Vec<Finding>) {
    let Some(user) = facts.user else { return };
    let touches_my_number = match req.action {
        Action::ImportResidents | Action::Inquire => true,
        Action::ReadResident => req.by_my_number,
        _ => false,
    };
    if !touches_my_number {
        return;
    }
    if user.my_number_handler {
        out.push(Finding::met(
            cite("M-4-2"),
            "the user is a designated My Number handler",
        ));
    } else {
        out.push(Finding::unmet(
            cite("M-4-2"),
            format!(
                "only designated My Number handlers may {}: the user is not one",
                req.action.as_str()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each arm of the management rule says why, in its own words (an arm that
    /// vanished would give the same provision with another reason).
    #[test]
    fn t1_9_1_each_management_finding_gives_its_own_reason() {
        use Action as A;
        let m = |s: &str| -> Option<vrs_domain::MunicipalityCode> { Some(s.parse().unwrap()) };
        let chiyoda: Principal = "municipality:131016".parse().unwrap();
        for (action, principal, partition, met, reason) in [
            (
                A::ManageUsers,
                chiyoda,
                m("131016"),
                true,
                "manages the users and devices of its own area",
            ),
            (
                A::ManageDevices,
                chiyoda,
                m("011002"),
                false,
                "may not manage the users or devices of 011002",
            ),
            (
                A::ManageUsers,
                Principal::Operator,
                None,
                true,
                "the operator manages the users of the operator",
            ),
            (
                A::ManageUsers,
                Principal::Operator,
                m("131016"),
                false,
                "it hands its first administrator an enrolment code",
            ),
            (
                A::ManageDevices,
                Principal::National,
                None,
                false,
                "national manages no users or devices",
            ),
            (
                A::IssueEnrolment,
                Principal::Operator,
                m("131016"),
                true,
                "hands 131016's first administrator",
            ),
            (
                A::IssueEnrolment,
                Principal::Operator,
                None,
                false,
                "only the operator, for a named municipality",
            ),
            (
                A::ReadAlerts,
                Principal::Operator,
                None,
                true,
                "watches the intrusion signals",
            ),
            (A::ReadAlerts, chiyoda, None, false, "only the operator can"),
            (
                A::SearchAudit,
                chiyoda,
                m("131016"),
                true,
                "searches the audit log of its own area",
            ),
            (
                A::SearchAudit,
                chiyoda,
                m("011002"),
                false,
                "may not search the audit log of 011002",
            ),
            (
                A::SearchAudit,
                Principal::Operator,
                None,
                false,
                "may not search the audit log of the whole system",
            ),
        ] {
            let req = Request::new(principal, action, partition);
            let mut out = Vec::new();
            accounts_managed_by_their_holder(&req, &mut out);
            assert_eq!(out.len(), 1, "{action:?} {principal}");
            assert_eq!(out[0].met, met, "{action:?} {principal}");
            assert!(
                out[0].ground.reason.contains(reason),
                "{action:?} {principal}: {}",
                out[0].ground.reason
            );
        }
        let mut out = Vec::new();
        accounts_managed_by_their_holder(
            &Request::new(chiyoda, A::ReadResident, m("131016")),
            &mut out,
        );
        assert!(out.is_empty(), "other actions are not this rule's");
    }

    /// T1-9-1: a refusal to manage accounts says why, so the person refused knows
    /// what to do instead: a municipality that the area is another's, the operator
    /// that it hands the municipality's first administrator an enrolment code.
    #[test]
    fn t1_9_1_refusals_to_manage_accounts_say_what_to_do_instead() {
        let chiyoda = "131016".parse().unwrap();
        let shinjuku = "131041".parse().unwrap();
        for (principal, partition, says) in [
            (
                Principal::Municipality(chiyoda),
                Some(shinjuku),
                "may not manage the users or devices of",
            ),
            (Principal::Operator, Some(chiyoda), "enrolment code"),
        ] {
            let mut out = Vec::new();
            let req = Request::new(principal, Action::ManageUsers, partition);
            accounts_managed_by_their_holder(&req, &mut out);
            assert_eq!(out.len(), 1, "{principal}");
            assert!(!out[0].met, "{principal}");
            assert_eq!(out[0].ground.provision, cite("T1-9-1"), "{principal}");
            let reason = &out[0].ground.reason;
            assert!(reason.contains(says), "{principal}: {reason}");
        }
    }

    #[test]
    fn t1_9_1_every_role_sees_statistics_and_only_the_viewer_nothing_else() {
        use Action as A;
        for role in Role::ALL {
            assert!(role_permits(role, A::ViewStatistics), "{role}");
        }
        for action in [
            A::ReadResident,
            A::ManageUsers,
            A::RegisterDose,
            A::GrantConsent,
        ] {
            assert!(!role_permits(Role::Viewer, action), "viewer {action:?}");
        }
        for (role, allowed, refused) in [
            (Role::Admin, A::ManageDevices, A::ReadResident),
            (Role::Admin, A::EmergencyStop, A::ImportResidents),
            (Role::Clerk, A::ImportResidents, A::ManageUsers),
            (Role::Clerk, A::Inquire, A::GrantConsent),
        ] {
            assert!(role_permits(role, allowed), "{role} {allowed:?}");
            assert!(!role_permits(role, refused), "{role} {refused:?}");
        }
    }
}
