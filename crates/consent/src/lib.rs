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
//! use vrs_consent::{decide, Action, Outcome, Request};
//!
//! let jst = FixedOffset::east_opt(9 * 3600).unwrap();
//! let as_of = jst.with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap();
//! let request = Request {
//!     principal: "national".parse()?,
//!     action: Action::ReadResident,
//!     partition: Some("131016".parse()?),
//! };
//! let decision = decide(&request, as_of);
//! assert_eq!(decision.outcome, Outcome::Refused);
//! assert_eq!(decision.provisions(), ["T1-4-6"]);
//! # Ok::<(), vrs_domain::DomainError>(())
//! ```

mod decision;
mod partition;
mod provision;
mod statistics;

use chrono::{DateTime, FixedOffset};

pub use decision::{Action, Allowed, Decision, Ground, Outcome, Refusal, Request};
pub use provision::{provision_ids, ProvisionId, DIGEST};

/// Decides a request at time `as_of`. Pure: the same inputs give the same decision.
pub fn decide(request: &Request, as_of: DateTime<FixedOffset>) -> Decision {
    let mut findings = Vec::new();
    statistics::statistics_only(request, &mut findings);
    partition::own_partition_only(request, &mut findings);
    Decision::from_findings(*request, as_of, findings)
}
