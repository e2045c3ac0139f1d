//! vrs-consent: the consent rules engine.
//!
//! Every rule is a function in a file named after its provision group, with a
//! `Legal basis:` marker citing the provision IDs of the digest
//! (`fixtures/law/DIGEST.md`). [`decide`] runs every rule that applies and
//! returns a [`Decision`] whose grounds cite each rule met or unmet. The crate
//! does no I/O and reads no clock: the time is the `as_of` argument.
//!
//! ```
//! use chrono::{FixedOffset, TimeZone};
//! use vrs_consent::{decide, Action, Facts, Outcome, Request};
//!
//! let jst = FixedOffset::east_opt(9 * 3600).unwrap();
//! let as_of = jst.with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap();
//! let request = Request::new("national".parse()?, Action::ReadResident, Some("131016".parse()?));
//! let decision = decide(&request, &Facts::default(), as_of);
//! assert_eq!(decision.outcome, Outcome::Refused);
//! assert_eq!(decision.provisions(), ["T1-4-6"]);
//! # Ok::<(), vrs_domain::DomainError>(())
//! ```

mod accounts;
mod carry_over;
mod challenge;
mod consent_function;
mod contract_end;
mod counter;
mod decision;
mod documents;
mod emergency;
mod facts;
mod gate;
pub mod grounds;
mod inquiry;
mod inquiry_scope;
pub mod intrusion;
mod issuance;
mod partition;
mod provision;
mod public_daily;
mod purpose;
mod records;
mod registration;
mod release;
mod statistics;
mod tickets;

use chrono::{DateTime, FixedOffset};

pub use carry_over::{carry_over, CarryOver, HeldDose};
pub use challenge::{
    challenge_expires_at, challenge_is_live, ChallengeFact, ChallengeRefusal,
    CHALLENGE_LIFETIME_SECS,
};
pub use decision::{
    Action, Allowed, Decision, Ground, Outcome, Purpose, Refusal, Request, WrongProof,
};
pub use documents::{ConsentDocument, DocumentId, DocumentKind, Implication};
pub use emergency::refused_by_emergency_stop;
pub use facts::{Facts, Function, Residence, UserFacts};
pub use gate::may_use_vrs;
pub use inquiry::personal_consent_required;
pub use inquiry_scope::{holder_may_provide, inquiry_purpose, INQUIRY_PURPOSES};
pub use issuance::{application_refusal_grounds, N3_MESSAGE};
pub use provision::{provision_ids, ProvisionId, DIGEST};
pub use public_daily::{suppress_public_daily, NationalDay, PrefectureDay, PublicDaily};
pub use release::{
    suppress_by_municipality, suppress_release, suppress_series, DayRow, KeyRow, ReleaseCounts,
    ReleaseTables,
};
pub use statistics::{
    contributes_to_statistics, min_cell_size, statistics_need_consent, suppressed_cells,
    StatisticsError, DEFAULT_MIN_CELL, FLOOR_MIN_CELL,
};
pub use tickets::{
    latest_previous_dose_possibly_due, ticket_due_on, tickets_sent, NoTicketInterval,
};

/// Decides a request at time `as_of` from the facts the caller gathered.
/// Pure: the same inputs give the same decision. Every rule that applies adds
/// its finding; the request is allowed only when all are met.
pub fn decide(request: &Request, facts: &Facts, as_of: DateTime<FixedOffset>) -> Decision {
    let day = as_of.date_naive();
    let mut findings = Vec::new();
    emergency::emergency_stop(request, facts, &mut findings);
    accounts::accounts_managed_by_their_holder(request, &mut findings);
    accounts::user_acts_within_role(request, facts, &mut findings);
    consent_function::only_the_municipality_itself(request, &mut findings);
    consent_function::operator_lists_consents(request, &mut findings);
    consent_function::not_before_the_document(request, &mut findings);
    gate::consented_to_base_terms(request, facts, day, &mut findings);
    statistics::statistics_only(request, &mut findings);
    partition::own_partition_only(request, &mut findings);
    accounts::my_number_handlers_only(request, facts, &mut findings);
    inquiry_scope::inquiry_purpose_listed(request, &mut findings);
    inquiry_scope::subject_is_a_resident(request, facts, &mut findings);
    inquiry::inquiry_basis(request, facts, day, &mut findings);
    purpose::individual_data_for_certificates_only(request, &mut findings);
    registration::venue_registers(request, facts, day, &mut findings);
    records::holder_manages(request, &mut findings);
    statistics::statistics_scope(request, &mut findings);
    issuance::e_issuance_consented(request, facts, day, &mut findings);
    counter::counter_issuance_consented(request, facts, day, &mut findings);
    issuance::issuer_is_the_holder(request, &mut findings);
    issuance::overseas_certificate_carries_vds_nc(request, facts, &mut findings);
    contract_end::return_and_erase_at_contract_end(request, &mut findings);
    Decision::from_findings(*request, as_of, findings)
}

// The law-case runner and the other tests under tests/it are compiled into this
// crate's own test binary (Cargo.toml: `autotests = false`), not into a second one:
// mutation testing (.ci/mutants, issue 17) rebuilds the tests once per mutant, and
// one test binary instead of three compilations of the crate (the library, its unit
// tests, tests/it) costs about a third of the CPU. They still use only the public
// API, through `vrs_consent::` paths as an outside crate would.
#[cfg(test)]
extern crate self as vrs_consent;
#[cfg(test)]
#[path = "../tests/it/main.rs"]
mod it;
