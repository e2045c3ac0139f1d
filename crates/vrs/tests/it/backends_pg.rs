//! PostgreSQL only: row-level security and the append-only triggers hold under
//! the application's own checks, looked at directly as the application role.

use vrs::consent::DocumentId;
use vrs::{Answer, Vrs};

use crate::backends::{own_schema_url, test_database_url};
use crate::support::{clock, consent, file};

/// A client of the test server as the application role in `schema`, with the
/// transaction-local area settings the store uses.
fn app_client(base: &str, schema: &str) -> postgres::Client {
    let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("SET search_path = {schema}; SET ROLE vrs_app"))
        .unwrap();
    c
}

fn count_as(c: &mut postgres::Client, area: &str, scope: &str) -> i64 {
    let mut tx = c.transaction().unwrap();
    tx.execute(
        "SELECT set_config('app.municipality', $1, true), set_config('app.scope', $2, true)",
        &[&area, &scope],
    )
    .unwrap();
    let n = tx
        .query_one("SELECT count(*) FROM residents", &[])
        .unwrap()
        .get(0);
    tx.commit().unwrap();
    n
}

#[test]
fn row_level_security_and_append_only_bind_the_application_role() {
    let Some(base) = test_database_url() else {
        return;
    };
    let url = own_schema_url(&base);
    let schema = url.rsplit_once("schema=").unwrap().1.to_owned();
    let _drop = crate::backends::TestDir::dropping(&base, &schema);
    let dir = tempfile::tempdir().unwrap();
    // The password of later opens: VRS_DATABASE_URL naming the same server,
    // database and user (the data directory keeps none).
    std::env::set_var("VRS_DATABASE_URL", &base);
    Vrs::init_database(dir.path(), Some(&url), None, false, &clock()).unwrap();
    let mut vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    consent(&mut vrs, "131016", DocumentId::Terms20211203);
    let who = "municipality:131016".parse().unwrap();
    let Answer::Done(o) = vrs
        .import_residents(who, file("131016", 3).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(o.imported, 3);
    // The data directory holds no password.
    let held = std::fs::read_to_string(dir.path().join("database.url")).unwrap();
    assert!(!held.contains(":vrs_test@"), "{held}");

    let mut c = app_client(&base, &schema);
    assert_eq!(count_as(&mut c, "131016", ""), 3, "its own area");
    assert_eq!(
        count_as(&mut c, "131041", ""),
        0,
        "another area sees nothing"
    );
    assert_eq!(count_as(&mut c, "", ""), 0, "no area, nothing");
    assert_eq!(
        count_as(&mut c, "", "national"),
        3,
        "the national path sees all"
    );

    // Writing into another area is refused by the policy's WITH CHECK.
    let mut tx = c.transaction().unwrap();
    tx.execute("SELECT set_config('app.municipality', '131041', true)", &[])
        .unwrap();
    let e = tx
        .execute(
            "INSERT INTO residents SELECT * FROM residents WHERE false
             UNION ALL SELECT 131016, 'X1', decode(repeat('00', 32), 'hex'), '\\x00', 99, 'n', 'k',
                 '1980-01-01', 1, 1, NULL, NULL",
            &[],
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("row-level security")
            || format!("{e:?}").contains("row-level security"),
        "{e:?}"
    );
    drop(tx);

    // The application role may not change the audit log at all; even the
    // schema's owner (which has the privilege) is stopped by the trigger.
    let mut tx = c.transaction().unwrap();
    tx.execute("SELECT set_config('app.scope', 'national', true)", &[])
        .unwrap();
    let e = tx
        .execute("UPDATE audit_log SET detail = '{}'", &[])
        .unwrap_err();
    assert!(format!("{e:?}").contains("permission denied"), "{e:?}");
    drop(tx);
    let mut owner = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    owner
        .batch_execute(&format!("SET search_path = {schema}"))
        .unwrap();
    for sql in [
        "UPDATE audit_log SET detail = '{}'",
        "DELETE FROM audit_log",
    ] {
        let mut tx = owner.transaction().unwrap();
        tx.execute("SELECT set_config('app.scope', 'national', true)", &[])
            .unwrap();
        let e = tx.execute(sql, &[]).unwrap_err();
        assert!(
            format!("{e:?}").contains("is append-only") && format!("{e:?}").contains("audit_log"),
            "{sql}: {e:?}"
        );
    }

    // A partition is never reached directly (no grant): only through the policies.
    let e = c
        .query_one("SELECT count(*) FROM residents_p0", &[])
        .unwrap_err();
    assert!(format!("{e:?}").contains("permission denied"), "{e:?}");
    assert!(vrs.audit_verify().unwrap().valid);
}

/// `sql`'s single count in a transaction of `area` (or national with `scope`).
pub(crate) fn count_in(c: &mut postgres::Client, area: &str, scope: &str, sql: &str) -> i64 {
    let mut tx = c.transaction().unwrap();
    tx.execute(
        "SELECT set_config('app.municipality', $1, true), set_config('app.scope', $2, true)",
        &[&area, &scope],
    )
    .unwrap();
    let n = tx.query_one(sql, &[]).unwrap().get(0);
    tx.commit().unwrap();
    n
}

#[test]
fn a_session_of_131016_cannot_see_or_change_011002s_doses() {
    let Some(base) = test_database_url() else {
        return;
    };
    let url = own_schema_url(&base);
    let schema = url.rsplit_once("schema=").unwrap().1.to_owned();
    let _drop = crate::backends::TestDir::dropping(&base, &schema);
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("VRS_DATABASE_URL", &base);
    Vrs::init_database(dir.path(), Some(&url), None, false, &clock()).unwrap();
    let mut vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    consent(&mut vrs, "011002", DocumentId::Terms20211203);
    let sapporo: vrs::Principal = "municipality:011002".parse().unwrap();
    let Answer::Done(o) = vrs
        .import_residents(sapporo, file("011002", 2).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(o.imported, 2);
    let entry = vrs::domain::DoseEntry {
        ocr: "110110020000000001".parse().unwrap(),
        product: "comirnaty".parse().unwrap(),
        lot: "FA5765".parse().unwrap(),
        date: vrs::domain::parse_dose_date("2021-06-01").unwrap(),
        venue: None,
        doctor: None,
    };
    let Answer::Done(Ok(r)) = vrs.register_dose(sapporo, &entry).unwrap() else {
        panic!("not registered")
    };
    let Answer::Done(Ok(_)) = vrs
        .correct_dose(
            sapporo,
            r.dose_id,
            &vrs::Correction {
                lot: Some("FA5766".parse().unwrap()),
                ..vrs::Correction::default()
            },
            "lot",
        )
        .unwrap()
    else {
        panic!("not corrected")
    };

    let mut c = app_client(&base, &schema);
    for table in ["doses", "dose_history", "dose_counts"] {
        let sql = format!("SELECT count(*) FROM {table}");
        assert_eq!(count_in(&mut c, "011002", "", &sql), 1, "{table}: its own");
        assert_eq!(
            count_in(&mut c, "131016", "", &sql),
            0,
            "{table}: 131016 sees none of 011002's"
        );
        assert_eq!(count_in(&mut c, "", "national", &sql), 1, "{table}");
    }
    // 131016's session changes nothing of 011002's: its UPDATE sees no row.
    let mut tx = c.transaction().unwrap();
    tx.execute("SELECT set_config('app.municipality', '131016', true)", &[])
        .unwrap();
    let changed = tx
        .execute("UPDATE doses SET lot = 'X' WHERE municipality = 11002", &[])
        .unwrap();
    assert_eq!(changed, 0);
    drop(tx);
    // The history is append-only and a dose is never deleted, even for its owner.
    let mut owner = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    owner
        .batch_execute(&format!("SET search_path = {schema}"))
        .unwrap();
    for (sql, says) in [
        ("UPDATE dose_history SET lot = 'X'", "is append-only"),
        ("DELETE FROM doses", "never erased"),
    ] {
        let mut tx = owner.transaction().unwrap();
        tx.execute("SELECT set_config('app.scope', 'national', true)", &[])
            .unwrap();
        let e = tx.execute(sql, &[]).unwrap_err();
        assert!(format!("{e:?}").contains(says), "{sql}: {e:?}");
    }
    // Nor can the application role delete a dose: it has no DELETE grant, or
    // (once erasure holds one) the trigger refuses outside an erasure.
    let mut tx = c.transaction().unwrap();
    tx.execute("SELECT set_config('app.scope', 'national', true)", &[])
        .unwrap();
    let e = format!("{:?}", tx.execute("DELETE FROM doses", &[]).unwrap_err());
    assert!(
        e.contains("permission denied") || e.contains("never erased"),
        "{e}"
    );
    drop(tx);
    assert!(vrs.audit_verify().unwrap().valid);
}

/// Two handles on the same database append audited reads to the same chain at
/// once: each append reads the head under the chain's lock (the lock, head
/// and sequence number in one call folded into the read), so no link is lost,
/// repeated or forked and the chain verifies.
#[test]
fn concurrent_audited_reads_keep_one_chain() {
    let Some(base) = test_database_url() else {
        return;
    };
    let url = own_schema_url(&base);
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("VRS_DATABASE_URL", &base);
    Vrs::init_database(dir.path(), Some(&url), None, false, &clock()).unwrap();
    let mut vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    consent(&mut vrs, "131016", DocumentId::Terms20211203);
    let who: vrs::Principal = "municipality:131016".parse().unwrap();
    let Answer::Done(o) = vrs
        .import_residents(who, file("131016", 3).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(o.imported, 3);
    const EACH: usize = 40;
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut v = Vrs::open(dir.path(), Box::new(clock())).unwrap();
                for i in 0..EACH {
                    let a = format!("A{}", 1 + i % 3).parse().unwrap();
                    let Answer::Done(Some(_)) = v
                        .find_resident(who, None, &vrs::Lookup::AddressNumber(a))
                        .unwrap()
                    else {
                        panic!("not found")
                    };
                    let Answer::Done(3) = v.count_residents(who, None).unwrap() else {
                        panic!("bad count")
                    };
                }
            });
        }
    });
    let report = vrs.audit_verify().unwrap();
    assert!(report.valid, "{report:?}");
    let reads = vrs
        .audit_search(Some("131016".parse().unwrap()), None, None, 1000)
        .unwrap();
    let n = reads
        .iter()
        .filter(|e| e.action == "read_resident" || e.action == "count_residents")
        .count();
    assert_eq!(n, 4 * EACH, "every read left one event");
}
