//! Emergency stop of VRS functions.

use vrs_domain::Principal;

use crate::decision::{Action, Finding, Request};
use crate::facts::{Facts, Function};
use crate::provision::cite;

/// Legal basis: T1-10 (別紙1 第10条)
///
/// > The operator may stop all or part of VRS functions without the municipality's
/// > consent, on the Agency's instruction or in an emergency.
///
/// Interpretation: only the operator stops or resumes functions. While a function
/// is stopped, every action of it is refused; while `all` is stopped, every action
/// is refused except resuming. Audit verification and reading the audit log are
/// not actions of any function and stay available (the facade does not route them
/// through the rules).
pub(crate) fn emergency_stop(req: &Request, facts: &Facts, out: &mut Vec<Finding>) {
    if matches!(req.action, Action::EmergencyStop | Action::EmergencyResume) {
        if req.principal == Principal::Operator {
            out.push(Finding::met(
                cite("T1-10"),
                "the operator may stop and resume VRS functions",
            ));
        } else {
            out.push(Finding::unmet(
                cite("T1-10"),
                format!(
                    "{} cannot stop or resume VRS functions: only the operator can",
                    req.principal
                ),
            ));
        }
        return;
    }
    let stopped = if facts.stopped.contains(&Function::All) {
        Some(Function::All)
    } else {
        req.action.function().filter(|f| facts.stopped.contains(f))
    };
    if let Some(f) = stopped {
        out.push(Finding::unmet(
            cite("T1-10"),
            format!("the function {f} is under an emergency stop"),
        ));
    }
}

/// Whether a refusal citing `provisions` was refused by an emergency stop (T1-10), so
/// that a service answers "unavailable, try later" rather than "forbidden".
pub fn refused_by_emergency_stop<S: AsRef<str>>(provisions: &[S]) -> bool {
    let stop = cite("T1-10");
    provisions.iter().any(|p| p.as_ref() == stop.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t1_10_only_a_refusal_citing_the_emergency_stop_is_one() {
        assert!(refused_by_emergency_stop(&["T1-10"]));
        assert!(refused_by_emergency_stop(&["N-3", "T1-10"]));
        assert!(!refused_by_emergency_stop(&["N-3"]));
        assert!(!refused_by_emergency_stop::<&str>(&[]));
        assert!(!refused_by_emergency_stop(&["T1-1"]));
    }
}
