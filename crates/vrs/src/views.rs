//! The JSON shapes of answers that both the CLI (`--json`) and the server
//! (`/api/v1`) print, built in one place so they cannot drift apart.

use vrs_domain::{Resident, MASKED};
use vrs_store::ImportOutcome;

/// A resident as JSON, with the My Number masked (`vrs residents show --json`,
/// `GET /api/v1/residents`).
pub fn resident_json(r: &Resident) -> serde_json::Value {
    serde_json::json!({
        "municipality_code": r.municipality,
        "address_number": r.address_number,
        "ticket_number": r.ticket_number,
        "name": r.name,
        "name_kana": r.name_kana,
        "birth_date": r.birth_date,
        "sex": r.sex,
        "my_number": MASKED,
    })
}

/// A resident import's report (`vrs residents import --json`,
/// `POST /api/v1/residents/import`): counts are zero unless the import was
/// kept (committed, or checked in a dry run); `errors` lists every bad row.
pub fn import_json(outcome: &ImportOutcome, dry_run: bool) -> serde_json::Value {
    let kept = outcome.committed || dry_run;
    serde_json::json!({
        "imported": if kept { outcome.imported } else { 0 },
        "updated": if kept { outcome.updated } else { 0 },
        "unchanged": outcome.unchanged,
        "dry_run": dry_run,
        "errors": outcome.errors,
    })
}
