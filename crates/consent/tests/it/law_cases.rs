//! Runs every law case of fixtures/law-cases/ through `decide`, and checks that
//! every `Legal basis:` marker in the rules has cases and every case cites a
//! provision of the digest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;
use vrs_consent::{
    carry_over, challenge_is_live, decide, holder_may_provide, provision_ids,
    suppress_public_daily, suppress_series, ticket_due_on, Action, CarryOver, ChallengeFact,
    DocumentId, Facts, Function, HeldDose, Outcome, Purpose, Request, Residence, UserFacts,
};
use vrs_domain::{BirthDate, DoseNumber, MunicipalityCode};

type Consents = BTreeMap<MunicipalityCode, BTreeMap<DocumentId, NaiveDate>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    provision: String,
    /// Consents that hold in every case of the file unless a case gives its own.
    #[serde(default)]
    consents: Option<Consents>,
    #[serde(rename = "case")]
    cases: Vec<Case>,
    /// Cases of the statistics suppression rule (`suppressed_cells`).
    #[serde(default, rename = "suppression")]
    suppressions: Vec<SuppressionCase>,
}

/// One query's cells (key values and count) and the cells expected suppressed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressionCase {
    name: String,
    min_cell: Option<u64>,
    cells: Vec<Cell>,
    /// The key values of every cell expected suppressed, in the order given.
    suppressed: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cell {
    keys: Vec<String>,
    count: u64,
}

/// Which rule a case runs: `decide` (the default), or one of the pure rules the
/// use cases call besides it.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "snake_case")]
enum Rule {
    #[default]
    Decide,
    /// `holder_may_provide(resident, partition)`: expect "provides" or "holds nothing".
    HolderMayProvide,
    /// `ticket_due_on(dose, previous_dose_on, birth_date, as_of)`: expect "due YYYY-MM-DD" or "not due".
    TicketDueOn,
    /// `carry_over(held, dose, date)`: expect "add N", "already held" or "conflict with N".
    CarryOver,
    /// `suppress_series(counts, true, min_cell)` (a daily series, total published):
    /// expect "days I,J; totals K" or "none suppressed".
    SuppressSeries,
    /// `suppress_public_daily(grid, min_cell)` (`grid[day][prefecture]`, the public
    /// page's two tables): expect "cells D.P,...; days D,..." or "none suppressed".
    SuppressPublicDaily,
    /// `challenge_is_live(fact, as_of)` with `nonce = "absent" | "unknown" | "issued"`
    /// (then `expires_at` and `consumed`): expect "live" or the refusal's kind.
    ChallengeIsLive,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Held {
    dose_number: u8,
    date: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    rule: Rule,
    as_of: DateTime<FixedOffset>,
    principal: Option<String>,
    action: Option<Action>,
    partition: Option<String>,
    #[serde(default)]
    personal_consent: bool,
    purpose: Option<Purpose>,
    #[serde(default)]
    overseas_certificate: bool,
    /// Issuance at the counter (窓口発行) rather than through the app.
    #[serde(default)]
    at_counter: bool,
    #[serde(default)]
    barcode_signer: bool,
    /// Reading a resident: looked up by My Number (M-4-2).
    #[serde(default)]
    by_my_number: bool,
    /// The signed-in user's role and handler mark (T1-9-1, M-4-2); none: no user account.
    user: Option<UserFacts>,
    consents: Option<Consents>,
    #[serde(default)]
    stopped: BTreeSet<Function>,
    /// Granting consent: the document and the day it takes effect.
    document: Option<DocumentId>,
    effective: Option<NaiveDate>,
    /// Inquiry: the person as the asking municipality's resident records show them.
    resident: Option<Residence>,
    dose: Option<u8>,
    previous_dose_on: Option<NaiveDate>,
    birth_date: Option<String>,
    date: Option<NaiveDate>,
    #[serde(default)]
    held: Vec<Held>,
    #[serde(default)]
    counts: Vec<u64>,
    /// The public page's prefecture cells, one row per day.
    #[serde(default)]
    grid: Vec<Vec<u64>>,
    min_cell: Option<u64>,
    /// The app's challenge: what is known of the presented nonce.
    nonce: Option<String>,
    expires_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    consumed: bool,
    expect: Expect,
}

/// `expect = "allowed"`, `expect = { allowed = [...] }` (allowed, and the legal basis
/// is exactly these provisions, in the order the rules cite them) or
/// `expect = { refused = [...] }` (every unmet provision, in order).
#[derive(Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum Expect {
    Word(String),
    Allowed { allowed: Vec<String> },
    Refused { refused: Vec<String> },
}

fn indexes(flags: &[bool]) -> String {
    flags
        .iter()
        .enumerate()
        .filter(|(_, f)| **f)
        .map(|(i, _)| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs a case of one of the pure rules; the answer in the words of `expect`.
fn run_pure_rule(provision: &str, case: &Case) -> String {
    let need = |what: &str| -> ! { panic!("{provision} / {}: needs {what}", case.name) };
    let dose = || DoseNumber::new(case.dose.unwrap_or_else(|| need("dose"))).unwrap();
    match case.rule {
        Rule::Decide => unreachable!("decide cases run through decide"),
        Rule::HolderMayProvide => {
            let holder: MunicipalityCode = case
                .partition
                .as_deref()
                .unwrap_or_else(|| need("partition (the holder)"))
                .parse()
                .unwrap();
            if holder_may_provide(case.resident.as_ref(), holder) {
                "provides".into()
            } else {
                "holds nothing".into()
            }
        }
        Rule::TicketDueOn => {
            let birth: BirthDate = case
                .birth_date
                .as_deref()
                .unwrap_or_else(|| need("birth_date"))
                .parse()
                .unwrap();
            let previous = case
                .previous_dose_on
                .unwrap_or_else(|| need("previous_dose_on"));
            match ticket_due_on(dose(), previous, birth, case.as_of.date_naive()) {
                Some(d) => format!("due {d}"),
                None => "not due".into(),
            }
        }
        Rule::CarryOver => {
            let held: Vec<HeldDose> = case
                .held
                .iter()
                .map(|h| HeldDose {
                    dose_number: DoseNumber::new(h.dose_number).unwrap(),
                    date: h.date,
                })
                .collect();
            let date = case.date.unwrap_or_else(|| need("date"));
            match carry_over(&held, dose(), date) {
                CarryOver::Add { dose_number } => format!("add {dose_number}"),
                CarryOver::AlreadyHeld => "already held".into(),
                CarryOver::Conflict {
                    with_dose_number, ..
                } => format!("conflict with {with_dose_number}"),
            }
        }
        Rule::SuppressSeries => {
            let min = case.min_cell.unwrap_or_else(|| need("min_cell"));
            let (days, totals) = suppress_series(&case.counts, true, min);
            if days.iter().chain(&totals).any(|h| *h) {
                format!("days {}; totals {}", indexes(&days), indexes(&totals))
            } else {
                "none suppressed".into()
            }
        }
        Rule::SuppressPublicDaily => {
            let width = case.grid.first().map_or(0, Vec::len);
            let mut cells = BTreeMap::new();
            let first = NaiveDate::from_ymd_opt(2021, 6, 1).unwrap();
            for (d, row) in case.grid.iter().enumerate() {
                for (p, c) in row.iter().enumerate() {
                    cells.insert(
                        (first + chrono::Days::new(d as u64), format!("{:02}", p + 1)),
                        *c,
                    );
                }
            }
            let page = suppress_public_daily(&cells, case.min_cell);
            let hidden: Vec<String> = page
                .prefectures
                .iter()
                .enumerate()
                .filter(|(_, c)| c.count.is_none())
                .map(|(i, _)| format!("{}.{}", i / width, i % width))
                .collect();
            let days: Vec<bool> = page.national.iter().map(|n| n.count.is_none()).collect();
            if hidden.is_empty() && !days.contains(&true) {
                "none suppressed".into()
            } else {
                format!("cells {}; days {}", hidden.join(","), indexes(&days))
            }
        }
        Rule::ChallengeIsLive => {
            let fact = match case.nonce.as_deref().unwrap_or_else(|| need("nonce")) {
                "absent" => ChallengeFact::Absent,
                "unknown" => ChallengeFact::Unknown,
                "issued" => ChallengeFact::Issued {
                    expires_at: case.expires_at.unwrap_or_else(|| need("expires_at")),
                    consumed: case.consumed,
                },
                other => panic!("{provision} / {}: nonce = {other:?}", case.name),
            };
            match challenge_is_live(fact, case.as_of) {
                Ok(()) => "live".into(),
                Err(r) => r.kind().into(),
            }
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn case_files() -> Vec<(PathBuf, CaseFile)> {
    let dir = root().join("fixtures/law-cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let parsed: CaseFile =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, parsed)
        })
        .collect()
}

/// Provision IDs named on each `Legal basis:` line of the rules' sources.
fn legal_basis_markers() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(rest) = line.trim_start().strip_prefix("/// Legal basis:") {
                let ids = rest.split('(').next().unwrap_or("");
                for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let place =
                        format!("{}:{}", path.file_name().unwrap().to_string_lossy(), i + 1);
                    out.insert(id.to_owned(), place);
                }
            }
        }
    }
    out
}

#[test]
fn every_law_case_gives_its_expected_decision() {
    let mut ran = 0;
    for (path, file) in case_files() {
        let stem = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', "/");
        assert_eq!(
            stem,
            file.provision,
            "{}: file name must be the provision ID",
            path.display()
        );
        for case in &file.cases {
            if case.rule != Rule::Decide {
                let got = run_pure_rule(&file.provision, case);
                assert_eq!(
                    Expect::Word(got),
                    case.expect,
                    "{} / {}",
                    file.provision,
                    case.name
                );
                ran += 1;
                continue;
            }
            let principal = case.principal.as_deref().unwrap_or_else(|| {
                panic!(
                    "{} / {}: a decide case needs a principal",
                    file.provision, case.name
                )
            });
            let request = Request {
                principal: principal.parse().unwrap_or_else(|e| {
                    panic!("{} / {}: principal: {e}", file.provision, case.name)
                }),
                action: case.action.unwrap_or_else(|| {
                    panic!(
                        "{} / {}: a decide case needs an action",
                        file.provision, case.name
                    )
                }),
                partition: case.partition.as_ref().map(|p| p.parse().unwrap()),
                personal_consent: case.personal_consent,
                purpose: case.purpose,
                consent: case.document.zip(case.effective),
                overseas_certificate: case.overseas_certificate,
                by_my_number: case.by_my_number,
                at_counter: case.at_counter,
            };
            let facts = Facts {
                consents: case
                    .consents
                    .clone()
                    .or_else(|| file.consents.clone())
                    .unwrap_or_default(),
                stopped: case.stopped.clone(),
                subject_residence: case.resident,
                barcode_signer: case.barcode_signer,
                user: case.user,
            };
            let decision = decide(&request, &facts, case.as_of);
            let provisions = || {
                decision
                    .provisions()
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            };
            let got = match (decision.outcome, &case.expect) {
                (Outcome::Allowed, Expect::Allowed { .. }) => Expect::Allowed {
                    allowed: provisions(),
                },
                (Outcome::Allowed, _) => Expect::Word("allowed".into()),
                (Outcome::Refused, _) => Expect::Refused {
                    refused: provisions(),
                },
            };
            assert_eq!(
                got, case.expect,
                "{} / {}: grounds {:#?}",
                file.provision, case.name, decision.grounds
            );
            ran += 1;
        }
    }
    assert!(ran > 0, "no law cases found");
}

#[test]
fn every_suppression_case_suppresses_the_expected_cells() {
    let mut ran = 0;
    for (_, file) in case_files() {
        for case in &file.suppressions {
            let cells: Vec<(Vec<String>, u64)> = case
                .cells
                .iter()
                .map(|c| (c.keys.clone(), c.count))
                .collect();
            let got: Vec<Vec<String>> = vrs_consent::suppressed_cells(&cells, case.min_cell)
                .into_iter()
                .zip(&cells)
                .filter(|(s, _)| *s)
                .map(|(_, (k, _))| k.clone())
                .collect();
            assert_eq!(got, case.suppressed, "{} / {}", file.provision, case.name);
            ran += 1;
        }
    }
    assert!(ran > 0, "no suppression cases found");
}

#[test]
fn every_case_cites_a_provision_of_the_digest() {
    let known: BTreeSet<&str> = provision_ids().iter().copied().collect();
    for (path, file) in case_files() {
        assert!(
            known.contains(file.provision.as_str()),
            "{}: unknown provision {}",
            path.display(),
            file.provision
        );
        for case in &file.cases {
            if let Expect::Refused { refused: ids } | Expect::Allowed { allowed: ids } =
                &case.expect
            {
                for id in ids {
                    assert!(
                        known.contains(id.as_str()),
                        "{} / {}: unknown provision {id}",
                        file.provision,
                        case.name
                    );
                }
            }
        }
    }
}

#[test]
fn every_legal_basis_marker_has_law_cases() {
    let covered: BTreeSet<String> = case_files().into_iter().map(|(_, f)| f.provision).collect();
    let known: BTreeSet<&str> = provision_ids().iter().copied().collect();
    let markers = legal_basis_markers();
    assert!(!markers.is_empty(), "no Legal basis: markers found");
    for (id, place) in markers {
        assert!(
            known.contains(id.as_str()),
            "{place}: marker cites unknown provision {id}"
        );
        assert!(
            covered.contains(&id),
            "{place}: {id} has no fixtures/law-cases/{id}.toml"
        );
    }
}
