//! The operations part of the one facade suite (`both!`): signed audit heads
//! detect a copy rolled back 10 events, a rewritten event and a truncated tail
//! with nothing but the heads, on SQLite and on PostgreSQL alike. The tampering
//! is done as someone with SQL access to the database (not the keyring) would.
//! And M-13: after erasing 131016, a backup taken before it opens for the
//! other municipalities but not for 131016 (its key was only in the keyring).

use std::path::Path;

use vrs::{Answer, Lookup, SignedHeads, Vrs};

use crate::backends::{both, fresh_on, test_database_url, Backend};
use crate::support::{clock, file, my_number};

fn chiyoda() -> vrs::Principal {
    "municipality:131016".parse().unwrap()
}

/// `n` events in 千代田区's chain.
fn counts(vrs: &mut Vrs, n: usize) {
    for _ in 0..n {
        let Answer::Done(_) = vrs.count_residents(chiyoda(), None).unwrap() else {
            panic!("count refused")
        };
    }
}

/// A data dir with residents in two municipalities and events in their chains.
fn populated(backend: Backend) -> Option<(crate::backends::TestDir, Vrs)> {
    let (dir, mut vrs) = fresh_on(backend)?;
    for m in ["131016", "131041"] {
        crate::support::consent(&mut vrs, m, vrs::consent::DocumentId::Terms20211203);
    }
    let shinjuku = "municipality:131041".parse().unwrap();
    let Answer::Done(_) = vrs
        .import_residents(chiyoda(), file("131016", 3).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    let Answer::Done(_) = vrs
        .import_residents(shinjuku, file("131041", 2).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    counts(&mut vrs, 2);
    Some((dir, vrs))
}

/// The schema a PostgreSQL data dir names.
pub(crate) fn schema_of(data: &Path) -> String {
    let url = std::fs::read_to_string(data.join("database.url")).unwrap();
    let query = url.trim().split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("schema="))
        .unwrap()
        .to_owned()
}

/// Runs SQL on the database of `dir` as its owner would, with the audit log's
/// append-only guard lifted (SQLite: its triggers dropped; PostgreSQL: its
/// trigger disabled, in the national scope row-level security requires).
fn tamper(backend: Backend, dir: &Path, sql: &str) {
    let data = dir.join("data");
    match backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(data.join(vrs::DB_FILE)).unwrap();
            conn.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS audit_log_no_update;
                 DROP TRIGGER IF EXISTS audit_log_no_delete;
                 {sql}"
            ))
            .unwrap();
        }
        Backend::Postgres => {
            let base = test_database_url().unwrap();
            let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
            let schema = schema_of(&data);
            let sql = sql.replace("zeroblob(32)", "decode(repeat('00', 32), 'hex')");
            c.batch_execute(&format!(
                "SET search_path = {schema};
                 BEGIN;
                 SELECT set_config('app.scope', 'national', true);
                 ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                 {sql};
                 ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
                 COMMIT;"
            ))
            .unwrap();
        }
    }
}

#[track_caller]
fn only_problem(vrs: &Vrs, heads: &SignedHeads, chain: &str, words: &str) -> Option<i64> {
    let report = vrs.audit_verify_heads(heads).unwrap();
    assert!(!report.valid, "{report:?}");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].chain, chain, "{report:?}");
    assert!(report.problems[0].reason.contains(words), "{report:?}");
    report.problems[0].seq
}

both!(
    untouched_heads_verify_and_later_events_do_not_disturb_them,
    a_copy_rolled_back_10_events_is_detected_with_only_the_heads,
    a_rewritten_event_is_detected_with_only_the_heads,
    a_truncated_tail_is_detected_with_only_the_heads,
    m_13_erase_131016_then_a_backup_from_before_opens_for_131041_but_not_for_131016,
    t1_4_2_a_rotated_key_stays_published_with_its_revocation_list,
    m_13_a_municipality_exports_its_own_data_and_only_its_own,
);

fn untouched_heads_verify_and_later_events_do_not_disturb_them(backend: Backend) {
    let Some((_dir, mut vrs)) = populated(backend) else {
        return;
    };
    let heads = vrs.audit_heads().unwrap();
    let chains: Vec<&str> = heads.heads.iter().map(|h| h.chain.as_str()).collect();
    assert_eq!(chains, ["operator", "131016", "131041"]);
    counts(&mut vrs, 3);
    let report = vrs.audit_verify_heads(&heads).unwrap();
    assert!(report.valid, "{report:?}");
    assert_eq!(report.heads, 3);
    // Heads of another instance (another audit key) are refused.
    let (_other_dir, other) = populated(backend).unwrap();
    let foreign = other.audit_heads().unwrap();
    let report = vrs.audit_verify_heads(&foreign).unwrap();
    assert!(!report.valid);
    assert!(report.problems[0].reason.contains("published audit key"));
}

fn a_copy_rolled_back_10_events_is_detected_with_only_the_heads(backend: Backend) {
    let Some((dir, mut vrs)) = populated(backend) else {
        return;
    };
    // The earlier state: every event up to `last` and the heads as they were.
    let last = vrs.audit_search(None, None, None, 1).unwrap()[0].seq;
    tamper(
        backend,
        dir.path(),
        "CREATE TABLE saved_heads AS SELECT * FROM audit_heads",
    );
    counts(&mut vrs, 10);
    let heads = vrs.audit_heads().unwrap();
    // The whole database put back to that state: internally consistent, so the
    // keyed check passes, but 10 events behind the heads.
    tamper(
        backend,
        dir.path(),
        &format!(
            "DELETE FROM audit_log WHERE seq > {last};
             DELETE FROM audit_heads;
             INSERT INTO audit_heads SELECT * FROM saved_heads;
             DROP TABLE saved_heads"
        ),
    );
    assert!(vrs.audit_verify().unwrap().valid, "the copy is consistent");
    let seq = only_problem(&vrs, &heads, "131016", "rolled back");
    let head = heads.heads.iter().find(|h| h.chain == "131016").unwrap();
    assert_eq!(seq, Some(head.seq));
}

fn a_rewritten_event_is_detected_with_only_the_heads(backend: Backend) {
    let Some((dir, vrs)) = populated(backend) else {
        return;
    };
    let heads = vrs.audit_heads().unwrap();
    let import = vrs
        .audit_search(None, Some("import_residents"), None, 1)
        .unwrap()[0]
        .seq;
    // The stored hash is overwritten too: the heads check recomputes every
    // hash from the fields, so that does not help.
    tamper(
        backend,
        dir.path(),
        &format!(
            "UPDATE audit_log SET detail = '{{\"imported\":1}}', hash = zeroblob(32)
             WHERE seq = {import}"
        ),
    );
    only_problem(&vrs, &heads, "131041", "rewritten");
}

fn a_truncated_tail_is_detected_with_only_the_heads(backend: Backend) {
    let Some((dir, vrs)) = populated(backend) else {
        return;
    };
    let heads = vrs.audit_heads().unwrap();
    // Cut 千代田区's chain after its first event and point its head row at
    // what is left, as someone with SQL access but not the heads would.
    tamper(
        backend,
        dir.path(),
        "DELETE FROM audit_log WHERE chain = 131016 AND chain_seq > 1;
         UPDATE audit_heads SET chain_seq = 1,
             seq = (SELECT seq FROM audit_log WHERE chain = 131016 AND chain_seq = 1),
             hash = (SELECT hash FROM audit_log WHERE chain = 131016 AND chain_seq = 1)
         WHERE chain = 131016",
    );
    only_problem(&vrs, &heads, "131016", "cut-off");
}

/// A backup of the data dir's database as its operator takes one: SQLite's
/// `vrs backup`; PostgreSQL's `pg_dump` of vrs's schema (every area: the
/// national scope through `PGOPTIONS`), kept as SQL text. `None`: PostgreSQL
/// without `pg_dump` outside CI (skipped, said so).
fn take_backup(backend: Backend, dir: &Path, vrs: &mut Vrs) -> Option<std::path::PathBuf> {
    match backend {
        Backend::Sqlite => {
            let to = dir.join("before.sqlite");
            vrs.backup(&to, false).unwrap();
            Some(to)
        }
        Backend::Postgres => {
            let to = dir.join("before.sql");
            let schema = schema_of(&dir.join("data"));
            let out = match std::process::Command::new("pg_dump")
                .env("PGOPTIONS", "-c app.scope=national")
                .args(["--enable-row-security", "--no-owner", "--no-privileges"])
                .arg(format!("--schema={schema}"))
                .arg(format!("--file={}", to.display()))
                .arg(format!("--dbname={}", test_database_url().unwrap()))
                .output()
            {
                Ok(o) => o,
                Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                    eprintln!("skipped: pg_dump cannot run ({e})");
                    return None;
                }
                Err(e) => panic!("CI=true but pg_dump cannot run: {e}"),
            };
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(to)
        }
    }
}

/// Opens a backup with the keyring `keyring` in a new data dir under `dir`.
fn open_backup(backend: Backend, dir: &Path, backup: &Path, keyring: &Path) -> Vrs {
    let restored = dir.join("restored");
    match backend {
        Backend::Sqlite => Vrs::restore(&restored, backup, keyring, Box::new(clock())).unwrap(),
        Backend::Postgres => {
            // Restored into a schema of its own, as an operator restores a dump
            // beside the live one; the data dir names it and holds the keyring.
            let data = dir.join("data");
            let schema = schema_of(&data);
            let copy = format!("{schema}_r");
            let sql = std::fs::read_to_string(backup)
                .unwrap()
                .replace(&schema, &copy);
            let renamed = dir.join("before-renamed.sql");
            std::fs::write(&renamed, sql).unwrap();
            let out = std::process::Command::new("psql")
                .args(["--quiet", "--set=ON_ERROR_STOP=1"])
                .arg(format!("--file={}", renamed.display()))
                .arg(format!("--dbname={}", test_database_url().unwrap()))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::fs::create_dir(&restored).unwrap();
            let url = std::fs::read_to_string(data.join("database.url"))
                .unwrap()
                .replace(&format!("schema={schema}"), &format!("schema={copy}"));
            std::fs::write(restored.join("database.url"), url).unwrap();
            std::fs::copy(keyring, restored.join(vrs::KEYRING_FILE)).unwrap();
            Vrs::open(&restored, Box::new(clock())).unwrap()
        }
    }
}

fn m_13_erase_131016_then_a_backup_from_before_opens_for_131041_but_not_for_131016(
    backend: Backend,
) {
    let Some((dir, mut vrs)) = populated(backend) else {
        return;
    };
    let (chiyoda, shinjuku) = (chiyoda(), "municipality:131041".parse().unwrap());
    let by_address = |a: &str| Lookup::AddressNumber(a.parse().unwrap());
    let Some(backup) = take_backup(backend, dir.path(), &mut vrs) else {
        return;
    };
    let code = "131016".parse().unwrap();
    let Answer::Refused(r) = vrs.erase_municipality(chiyoda, code).unwrap() else {
        panic!("a municipality erased itself")
    };
    assert_eq!(r.provisions(), ["M-13"]);
    let operator = "operator".parse().unwrap();
    let Answer::Done(report) = vrs.erase_municipality(operator, code).unwrap() else {
        panic!("the operator's erasure was refused")
    };
    assert_eq!((report.residents, report.key_destroyed), (3, true));
    assert!(report.audit_events_kept >= 3, "{report:?}");
    let Answer::Done(None) = vrs.find_resident(chiyoda, None, &by_address("A1")).unwrap() else {
        panic!("131016's resident survived the erasure")
    };
    let Answer::Done(Some(_)) = vrs
        .find_resident(shinjuku, None, &by_address("A1"))
        .unwrap()
    else {
        panic!("131041's resident was erased")
    };
    assert!(vrs.audit_verify().unwrap().valid);
    drop(vrs);

    // The backup from before the erasure, opened with today's keyring.
    let keyring = dir.path().join("data").join(vrs::KEYRING_FILE);
    let mut old = open_backup(backend, dir.path(), &backup, &keyring);
    let err = old
        .find_resident(chiyoda, None, &by_address("A1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no data key"), "{err}");
    assert!(!err.contains(&my_number(1 + 131_016_000)), "{err}");
    let Answer::Done(Some(r)) = old
        .find_resident(shinjuku, None, &by_address("A1"))
        .unwrap()
    else {
        panic!("131041's resident no longer opens")
    };
    assert_eq!(r.my_number.expose(), my_number(1 + 131_041_000));
    // The blind index key went with the data key: 131016's person is not found.
    let n = my_number(2 + 131_016_000).parse().unwrap();
    let Answer::Done(None) = old
        .find_resident(chiyoda, None, &Lookup::MyNumber(n))
        .unwrap()
    else {
        panic!("a destroyed index key still finds the person")
    };
}

fn t1_4_2_a_rotated_key_stays_published_with_its_revocation_list(backend: Backend) {
    let Some((_dir, mut vrs)) = populated(backend) else {
        return;
    };
    let m: vrs::domain::MunicipalityCode = "131016".parse().unwrap();
    assert!(
        vrs.issuer_jwks(m).unwrap().is_none(),
        "no key before one is needed"
    );
    let Answer::Done(first) = vrs.jwks(m).unwrap() else {
        panic!("the first key was refused")
    };
    assert_eq!(first.keys.len(), 1);
    let old = first.keys[0].kid.clone();
    // Asking again creates nothing.
    let Answer::Done(again) = vrs.jwks(m).unwrap() else {
        panic!("refused")
    };
    assert_eq!(again.keys.len(), 1);
    // Only the operator rotates.
    let Answer::Refused(r) = vrs.rotate_key(chiyoda(), m).unwrap() else {
        panic!("a municipality rotated its key")
    };
    assert!(!r.provisions().is_empty());
    let Answer::Done(rotated) = vrs.rotate_key("operator".parse().unwrap(), m).unwrap() else {
        panic!("the operator's rotation was refused")
    };
    let kids: Vec<&str> = rotated.keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(
        kids.contains(&old.as_str()),
        "the retired key stays published"
    );
    assert!(rotated.keys.iter().all(|k| k.crl_version == Some(1)));
    let crl = vrs.crl(&old).unwrap();
    assert_eq!(
        (crl.kid.as_str(), crl.ctr, crl.rids.len()),
        (old.as_str(), 1, 0)
    );
    let directory = vrs.key_directory().unwrap();
    assert_eq!(directory.issuers.len(), 1);
    let rotations = vrs
        .audit_search(None, Some("rotate_issuer_key"), None, 10)
        .unwrap();
    let done: Vec<_> = rotations
        .iter()
        .filter(|e| e.outcome != "refused")
        .collect();
    assert_eq!(done.len(), 1, "{rotations:?}");
    assert_eq!(done[0].detail["retired"], old.as_str());
    assert!(vrs.audit_verify().unwrap().valid);
}

fn m_13_a_municipality_exports_its_own_data_and_only_its_own(backend: Backend) {
    let Some((dir, mut vrs)) = populated(backend) else {
        return;
    };
    let out = dir.path().join("export");
    let Answer::Refused(_) = vrs
        .export_municipality("operator".parse().unwrap(), &out, false)
        .unwrap()
    else {
        panic!("the operator exported a municipality's data")
    };
    let Answer::Done(export) = vrs.export_municipality(chiyoda(), &out, false).unwrap() else {
        panic!("the export was refused")
    };
    let records = |name: &str| {
        export
            .files
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .records
    };
    assert_eq!(records("residents.csv"), 3);
    assert_eq!(records("consents.jsonl"), 1);
    assert_eq!(records("consent_history.jsonl"), 1);
    let csv = std::fs::read_to_string(out.join("residents.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    for i in 1..=3 {
        assert!(csv.contains(&my_number(i + 131_016_000)), "{csv}");
    }
    assert!(
        !csv.contains(&my_number(1 + 131_041_000)),
        "another area's person"
    );
    let consents = std::fs::read_to_string(out.join("consents.jsonl")).unwrap();
    let row: serde_json::Value = serde_json::from_str(consents.trim()).unwrap();
    assert_eq!(row["municipality"], 131016);
    // The export can be imported again (the import format), into a new instance.
    let (_d2, mut other) = fresh_on(Backend::Sqlite).unwrap();
    crate::support::consent(
        &mut other,
        "131016",
        vrs::consent::DocumentId::Terms20211203,
    );
    let Answer::Done(o) = other
        .import_residents(chiyoda(), csv.as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    assert_eq!(o.imported, 3, "{:?}", o.errors);
    let exports = vrs
        .audit_search(None, Some("export_municipality"), None, 10)
        .unwrap();
    assert_eq!(exports.last().unwrap().seq, export.audit_seq);
}
