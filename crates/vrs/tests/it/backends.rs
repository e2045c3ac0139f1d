//! One facade suite for both storage backends: each test below runs once on
//! SQLite and once on PostgreSQL (`both!`), with the same assertions.
//!
//! PostgreSQL comes from `VRS_TEST_DATABASE_URL` (`.ci/run` starts a server and
//! exports it); each run uses its own schema, so tests run in parallel. Without
//! the variable the PostgreSQL runs skip and say so, except under `CI=true`,
//! where they fail.

use std::sync::atomic::{AtomicU32, Ordering};

use vrs::consent::{DocumentId, Function};
use vrs::domain::MyNumber;
use vrs::{Answer, ImportOutcome, Lookup, Vrs};

use crate::support::{clock, consent, file, my_number, row, HEADER};

/// The storage backend a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// The test server's URL; `None` (with a message) when there is none outside CI.
pub(crate) fn test_database_url() -> Option<String> {
    match std::env::var("VRS_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but VRS_TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run")
        }
        _ => {
            eprintln!("skipped: VRS_TEST_DATABASE_URL is not set, no PostgreSQL run");
            None
        }
    }
}

/// A URL for a schema of this run's own.
pub(crate) fn own_schema_url(base: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let schema = format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}schema={schema}")
}

/// The password in a URL's user part (empty when it has none).
fn password_of(url: &str) -> String {
    let userinfo = url
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .map(|(u, _)| u)
        .unwrap_or_default();
    userinfo
        .split_once(':')
        .map(|(_, p)| p)
        .unwrap_or_default()
        .replace(':', "\\:")
}

/// A test's data directory; on PostgreSQL its schema is dropped with it, so
/// test runs do not pile schemas of a thousand relations each on the server.
pub(crate) struct TestDir {
    dir: tempfile::TempDir,
    /// The server's URL and this run's schema, on PostgreSQL.
    schema: Option<(String, String)>,
}

impl TestDir {
    /// A guard that drops `schema` of the server `base` when it goes.
    pub(crate) fn dropping(base: &str, schema: &str) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            schema: Some((base.to_owned(), schema.to_owned())),
        }
    }
}

impl std::ops::Deref for TestDir {
    type Target = tempfile::TempDir;
    fn deref(&self) -> &tempfile::TempDir {
        &self.dir
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let Some((base, schema)) = &self.schema else {
            return;
        };
        // Best effort (a schema left behind fails no test), one table at a
        // time so that no transaction takes a lock on every relation at once.
        let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls) else {
            return;
        };
        let _ = c.batch_execute("SET lock_timeout = '5s'");
        let tables: Vec<String> = c
            .query(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition",
                &[schema],
            )
            .map(|rows| rows.iter().map(|r| r.get(0)).collect())
            .unwrap_or_default();
        for t in tables {
            let _ = c.batch_execute(&format!("DROP TABLE IF EXISTS {schema}.\"{t}\" CASCADE"));
        }
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    }
}

/// A fresh instance on `backend` with no consent; `None` when PostgreSQL is not
/// available outside CI.
pub(crate) fn fresh_on(backend: Backend) -> Option<(TestDir, Vrs)> {
    fresh_on_clock(backend, Box::new(clock()))
}

/// [`fresh_on`] with the clock given (a test that moves time).
pub(crate) fn fresh_on_clock(backend: Backend, now: Box<dyn vrs::Clock>) -> Option<(TestDir, Vrs)> {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut schema = None;
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let base = test_database_url()?;
            let url = own_schema_url(&base);
            let name = url.rsplit_once("schema=").map(|(_, s)| s.to_owned());
            schema = name.map(|s| (base, s));
            // The data directory keeps the URL without its password: later
            // opens read it from a libpq password file beside it.
            let passfile = dir.path().join("pgpass");
            std::fs::write(&passfile, format!("*:*:*:*:{}\n", password_of(&url))).unwrap();
            Some(format!("{url}&passfile={}", passfile.display()))
        }
    };
    Vrs::init_database(&data, database.as_deref(), None, false, &clock()).unwrap();
    let vrs = Vrs::open(&data, now).unwrap();
    Some((TestDir { dir, schema }, vrs))
}

/// A fresh instance where 千代田区 and 新宿区 consent to the base terms.
pub(crate) fn consenting(backend: Backend) -> Option<(TestDir, Vrs)> {
    let (dir, mut vrs) = fresh_on(backend)?;
    for m in ["131016", "131041"] {
        consent(&mut vrs, m, DocumentId::Terms20211203);
    }
    Some((dir, vrs))
}

pub(crate) fn chiyoda() -> vrs::Principal {
    "municipality:131016".parse().unwrap()
}

pub(crate) fn shinjuku() -> vrs::Principal {
    "municipality:131041".parse().unwrap()
}

#[track_caller]
pub(crate) fn done<T>(a: Answer<T>) -> T {
    match a {
        Answer::Done(o) => o,
        Answer::Refused(r) => panic!("refused: {r}"),
    }
}

pub(crate) fn import(vrs: &mut Vrs, who: vrs::Principal, csv: &str) -> ImportOutcome {
    done(
        vrs.import_residents(who, csv.as_bytes(), None, false)
            .unwrap(),
    )
}

/// Runs each named test function on both backends.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(super::Backend::Sqlite);
                }
                #[test]
                fn postgres() {
                    super::$name(super::Backend::Postgres);
                }
            }
        )*
    };
}
pub(crate) use both;

both!(
    import_then_find_and_count,
    a_bad_file_writes_nothing_and_names_every_bad_line,
    a_second_import_updates_with_history_counts,
    without_consent_the_read_is_refused_and_audited,
    another_municipality_cannot_read_the_area,
    consents_and_emergency_stops_round_trip,
    a_first_import_names_each_repeated_value_by_line,
);

mod dose_import;
mod records;
mod rollups;

fn import_then_find_and_count(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    let o = import(&mut vrs, chiyoda(), &file("131016", 5));
    assert_eq!(
        (o.imported, o.updated, o.unchanged, o.committed),
        (5, 0, 0, true)
    );
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert_eq!(done(vrs.count_residents(chiyoda(), None).unwrap()), 5);
    let by_address = done(
        vrs.find_resident(
            chiyoda(),
            None,
            &Lookup::AddressNumber("A3".parse().unwrap()),
        )
        .unwrap(),
    )
    .expect("A3 is held");
    assert_eq!(by_address.name.to_string(), "山田\u{3000}太郎3");
    let n: MyNumber = my_number(4 + 131_016 * 1000).parse().unwrap();
    let by_number = done(
        vrs.find_resident(chiyoda(), None, &Lookup::MyNumber(n.clone()))
            .unwrap(),
    )
    .expect("found by My Number");
    assert_eq!(by_number.address_number.as_str(), "A4");
    assert_eq!(
        by_number.my_number, n,
        "the sealed number opens to the same"
    );
    let by_ticket = done(
        vrs.find_resident(
            chiyoda(),
            None,
            &Lookup::TicketNumber("0000000002".parse().unwrap()),
        )
        .unwrap(),
    )
    .expect("found by ticket");
    assert_eq!(by_ticket.address_number.as_str(), "A2");
    let missing = done(
        vrs.find_resident(
            chiyoda(),
            None,
            &Lookup::AddressNumber("A99".parse().unwrap()),
        )
        .unwrap(),
    );
    assert!(missing.is_none());
    let report = vrs.audit_verify().unwrap();
    assert!(report.valid, "{report:?}");
    let reads = vrs
        .audit_search(
            Some("131016".parse().unwrap()),
            Some("read_resident"),
            None,
            10,
        )
        .unwrap();
    assert_eq!(reads.len(), 4, "every lookup is audited: {reads:?}");
    assert_eq!(reads[3].detail["found"], false);
}

fn a_bad_file_writes_nothing_and_names_every_bad_line(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    // Line 3 repeats A1's address; line 4 repeats A1's My Number under A9;
    // line 5 is not a resident row at all.
    let mut csv = HEADER.to_owned();
    csv.push_str(&row("131016", 1));
    csv.push_str(&row("131016", 1).replace(",0000000001,", ",0000000077,"));
    csv.push_str(
        &row("131016", 1)
            .replace(",A1,", ",A9,")
            .replace(",0000000001,", ",0000000078,"),
    );
    csv.push_str("131016,A5,not-a-number,0000000005,x,ヤ,1980-02-17,1\n");
    let o = import(&mut vrs, chiyoda(), &csv);
    assert!(!o.committed);
    assert_eq!((o.imported, o.updated, o.unchanged), (0, 0, 0));
    let lines: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert!(lines.contains(&(3, "address_number")), "{lines:?}");
    assert!(lines.contains(&(4, "my_number")), "{lines:?}");
    assert!(lines.iter().any(|(l, _)| *l == 5), "{lines:?}");
    assert!(
        !lines.iter().any(|(l, _)| *l == 2),
        "line 2 is good: {lines:?}"
    );
    assert_eq!(done(vrs.count_residents(chiyoda(), None).unwrap()), 0);
}

fn a_second_import_updates_with_history_counts(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    import(&mut vrs, chiyoda(), &file("131016", 3));
    let mut csv = file("131016", 3).replace("太郎2,", "次郎2,");
    csv.push_str(&row("131016", 4));
    let o = import(&mut vrs, chiyoda(), &csv);
    assert_eq!(
        (o.imported, o.updated, o.unchanged, o.committed),
        (1, 1, 2, true)
    );
    let r = done(
        vrs.find_resident(
            chiyoda(),
            None,
            &Lookup::AddressNumber("A2".parse().unwrap()),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(r.name.to_string(), "山田\u{3000}次郎2");
    // A dry run reports and keeps nothing.
    let dry = done(
        vrs.import_residents(chiyoda(), file("131016", 6).as_bytes(), None, true)
            .unwrap(),
    );
    assert_eq!(
        (dry.imported, dry.updated, dry.unchanged, dry.committed),
        (2, 1, 3, false)
    );
    assert_eq!(done(vrs.count_residents(chiyoda(), None).unwrap()), 4);
}

fn without_consent_the_read_is_refused_and_audited(backend: Backend) {
    let Some((_dir, mut vrs)) = fresh_on(backend) else {
        return;
    };
    let Answer::Refused(r) = vrs.count_residents(chiyoda(), None).unwrap() else {
        panic!("a municipality without consent counted its residents")
    };
    assert!(!r.grounds.is_empty());
    let refused = vrs
        .audit_search(None, Some("count_residents"), None, 10)
        .unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].outcome, "refused");
    assert!(vrs.audit_verify().unwrap().valid);
}

fn another_municipality_cannot_read_the_area(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    import(&mut vrs, chiyoda(), &file("131016", 2));
    let asked = vrs
        .find_resident(
            shinjuku(),
            Some("131016".parse().unwrap()),
            &Lookup::AddressNumber("A1".parse().unwrap()),
        )
        .unwrap();
    assert!(matches!(asked, Answer::Refused(_)), "{asked:?}");
    // Its own area holds nothing of Chiyoda's.
    assert_eq!(done(vrs.count_residents(shinjuku(), None).unwrap()), 0);
    let own = done(
        vrs.find_resident(
            shinjuku(),
            None,
            &Lookup::AddressNumber("A1".parse().unwrap()),
        )
        .unwrap(),
    );
    assert!(own.is_none());
}

fn consents_and_emergency_stops_round_trip(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    let view = vrs.consent_view("131016".parse().unwrap()).unwrap();
    assert!(view
        .documents
        .iter()
        .any(|d| d.document == DocumentId::Terms20211203 && d.granted));
    done(
        vrs.revoke_consent(chiyoda(), None, DocumentId::Terms20211203)
            .unwrap(),
    );
    assert!(matches!(
        vrs.count_residents(chiyoda(), None).unwrap(),
        Answer::Refused(_)
    ));
    let operator: vrs::Principal = "operator".parse().unwrap();
    let stopped = done(
        vrs.emergency_stop(operator, Function::Import, "drill")
            .unwrap(),
    );
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].reason, "drill");
    let o = vrs
        .import_residents(shinjuku(), file("131041", 1).as_bytes(), None, false)
        .unwrap();
    assert!(matches!(o, Answer::Refused(_)), "stopped: {o:?}");
    assert!(done(vrs.emergency_resume(operator, Function::Import).unwrap()).is_empty());
    assert!(vrs.audit_verify().unwrap().valid);
}

/// A first import into an empty area (on PostgreSQL the fast path: one plain
/// INSERT … SELECT that a unique index refuses) still names every line that
/// repeats an address number, a My Number or a ticket number of the file, and
/// keeps nothing.
fn a_first_import_names_each_repeated_value_by_line(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    let line = |address: &str, seed: u64, ticket: u64| {
        format!(
            "131016,{address},{},{ticket:010},山田\u{3000}太郎,ヤマダ\u{3000}タロウ,1980-02-17,1\n",
            my_number(seed)
        )
    };
    let mut csv = HEADER.to_owned();
    csv.push_str(&line("A1", 1, 1));
    csv.push_str(&line("A2", 2, 2));
    csv.push_str(&line("A1", 3, 3)); // line 4: A1 again
    csv.push_str(&line("A4", 2, 4)); // line 5: A2's My Number
    csv.push_str(&line("A5", 5, 1)); // line 6: A1's ticket
    let o = import(&mut vrs, chiyoda(), &csv);
    let lines: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (4, "address_number"),
            (5, "my_number"),
            (6, "ticket_number")
        ]
    );
    assert!(!o.committed);
    assert_eq!((o.imported, o.updated, o.unchanged), (0, 0, 0));
    assert_eq!(done(vrs.count_residents(chiyoda(), None).unwrap()), 0);
    // The same area takes a clean file afterwards, and the chain holds.
    let o = import(&mut vrs, chiyoda(), &file("131016", 4));
    assert_eq!((o.imported, o.committed), (4, true));
    assert!(vrs.audit_verify().unwrap().valid);
}
