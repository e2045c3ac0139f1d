//! PostgreSQL only: the first load of an empty residents partition builds the
//! partition's indexes after the load (`vrs_residents_first_load`), and only
//! then; a failed one leaves the partition as it was, and row-level security
//! still binds afterwards. Looked at in pg_catalog as the schema's owner: the
//! indexes of a partition that took the path are new relations (new OIDs);
//! those of one that did not are the same relations as before.

use vrs::consent::DocumentId;
use vrs::domain::{all_local_govs, LocalGovKind};
use vrs::{Answer, Vrs};

use crate::backends::{own_schema_url, test_database_url, TestDir};
use crate::support::{clock, consent, file, my_number, HEADER};

/// A fresh PostgreSQL instance, its schema's name and an owner's client with
/// the schema on its search path; `None` when there is no test server.
pub(crate) fn fresh() -> Option<(TestDir, tempfile::TempDir, Vrs, String, postgres::Client)> {
    let base = test_database_url()?;
    let url = own_schema_url(&base);
    let schema = url.rsplit_once("schema=").unwrap().1.to_owned();
    let drop = TestDir::dropping(&base, &schema);
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("VRS_DATABASE_URL", &base);
    Vrs::init_database(dir.path(), Some(&url), None, false, &clock()).unwrap();
    let vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    let mut owner = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    owner
        .batch_execute(&format!("SET search_path = {schema}"))
        .unwrap();
    Some((drop, dir, vrs, schema, owner))
}

/// [`fresh`] with 131016's consent given, and 131016's residents partition.
#[allow(clippy::type_complexity)]
pub(crate) fn fresh_131016() -> Option<(
    TestDir,
    tempfile::TempDir,
    Vrs,
    String,
    postgres::Client,
    String,
)> {
    let (drop, dir, mut vrs, schema, mut owner) = fresh()?;
    consent(&mut vrs, "131016", DocumentId::Terms20211203);
    let part = partition_of(&mut owner, 131_016);
    Some((drop, dir, vrs, schema, owner, part))
}

/// The residents partition that holds municipality `m`.
pub(crate) fn partition_of(c: &mut postgres::Client, m: i32) -> String {
    c.query_one("SELECT vrs_residents_partition($1)::text", &[&m])
        .unwrap()
        .get(0)
}

/// The lowest municipality code other than 131016 whose rows share
/// 131016's partition.
pub(crate) fn neighbour(owner: &mut postgres::Client) -> String {
    let codes: Vec<i32> = all_local_govs()
        .filter(|g| g.kind == LocalGovKind::Municipality && g.code != "131016")
        .map(|g| g.code.parse().unwrap())
        .collect();
    let other: i32 = owner
        .query_one(
            "SELECT min(code) FROM unnest($1::integer[]) code
             WHERE vrs_residents_partition(code) = vrs_residents_partition(131016)",
            &[&codes],
        )
        .unwrap()
        .get(0);
    format!("{other:06}")
}

/// Runs `sql` on `app` (the application role) in a transaction of area
/// `area` and scope `scope`, which must refuse it: the SQL state it gave.
pub(crate) fn refused_as_app(
    app: &mut postgres::Client,
    area: &str,
    scope: &str,
    sql: &str,
) -> postgres::error::SqlState {
    let mut tx = app.transaction().unwrap();
    tx.execute(
        "SELECT set_config('app.municipality', $1, true), set_config('app.scope', $2, true)",
        &[&area, &scope],
    )
    .unwrap();
    let e = tx.batch_execute(sql).unwrap_err();
    e.code()
        .cloned()
        .unwrap_or_else(|| panic!("{sql}: not refused by the server: {e:?}"))
}

/// What pg_catalog says about a partition: whether and how it is attached,
/// its indexes (definition, validity, parent index) and their OIDs, its
/// constraints and those that reference it, its triggers and its grants.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Catalog {
    pub(crate) attached: (bool, String, Option<String>),
    pub(crate) indexes: Vec<(String, String, bool, bool, Option<String>)>,
    pub(crate) index_oids: Vec<u32>,
    pub(crate) constraints: Vec<(String, i8, String, String, bool, i32)>,
    pub(crate) triggers: Vec<(String, i16, bool)>,
    pub(crate) acl: Option<String>,
}

pub(crate) fn catalog(c: &mut postgres::Client, part: &str) -> Catalog {
    let r = c
        .query_one(
            "SELECT c.relispartition, coalesce(pg_get_expr(c.relpartbound, c.oid), ''),
                 (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid),
                 c.relacl::text
             FROM pg_class c WHERE c.oid = $1::text::regclass",
            &[&part],
        )
        .unwrap();
    let indexes = c
        .query(
            "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid), x.indisvalid,
                 x.indisready,
                 (SELECT i.inhparent::regclass::text FROM pg_inherits i
                  WHERE i.inhrelid = x.indexrelid),
                 x.indexrelid
             FROM pg_index x WHERE x.indrelid = $1::text::regclass ORDER BY 1",
            &[&part],
        )
        .unwrap();
    let constraints = c
        .query(
            "SELECT conname::text, contype::\"char\", conrelid::regclass::text,
                 confrelid::regclass::text, conislocal, coninhcount::integer
             FROM pg_constraint
             WHERE conrelid = $1::text::regclass OR confrelid = $1::text::regclass
             ORDER BY 1, 3",
            &[&part],
        )
        .unwrap();
    let triggers = c
        .query(
            "SELECT tgfoid::regproc::text, tgtype, tgisinternal FROM pg_trigger
             WHERE tgrelid = $1::text::regclass ORDER BY 1, 2",
            &[&part],
        )
        .unwrap();
    Catalog {
        attached: (r.get(0), r.get(1), r.get(2)),
        indexes: indexes
            .iter()
            .map(|i| (i.get(0), i.get(1), i.get(2), i.get(3), i.get(4)))
            .collect(),
        index_oids: indexes.iter().map(|i| i.get(5)).collect(),
        constraints: constraints
            .iter()
            .map(|k| (k.get(0), k.get(1), k.get(2), k.get(3), k.get(4), k.get(5)))
            .collect(),
        triggers: triggers
            .iter()
            .map(|t| (t.get(0), t.get(1), t.get(2)))
            .collect(),
        acl: r.get(3),
    }
}

/// The partition as the schema made it, apart from the indexes' OIDs.
#[track_caller]
pub(crate) fn assert_same_shape(before: &Catalog, after: &Catalog) {
    assert_eq!(after.attached, before.attached, "attached with its bound");
    assert!(after.attached.0, "still a partition of residents");
    assert_eq!(after.indexes, before.indexes, "the same valid indexes");
    assert_eq!(after.indexes.len(), 4, "{:?}", after.indexes);
    assert!(after.indexes.iter().all(|i| i.2 && i.3 && i.4.is_some()));
    assert_eq!(
        after.constraints, before.constraints,
        "the same constraints"
    );
    assert_eq!(after.triggers, before.triggers, "the same triggers");
    assert_eq!(after.acl, before.acl, "the same grants");
}

pub(crate) fn rows_in(c: &mut postgres::Client, part: &str) -> i64 {
    // The partition itself has no policy: the owner sees every row in it.
    c.query_one(&format!("SELECT count(*) FROM {part}"), &[])
        .unwrap()
        .get(0)
}

pub(crate) fn import(vrs: &mut Vrs, m: &str, csv: &str) -> vrs::ImportOutcome {
    let who = format!("municipality:{m}").parse().unwrap();
    match vrs
        .import_residents(who, csv.as_bytes(), None, false)
        .unwrap()
    {
        Answer::Done(o) => o,
        Answer::Refused(r) => panic!("refused: {r}"),
    }
}

#[test]
fn the_first_load_of_an_empty_partition_builds_its_indexes_after_the_load() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    let before = catalog(&mut owner, &part);
    let o = import(&mut vrs, "131016", &file("131016", 50));
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert_eq!((o.imported, o.committed), (50, true));
    let after = catalog(&mut owner, &part);
    assert_same_shape(&before, &after);
    for (old, new) in before.index_oids.iter().zip(&after.index_oids) {
        assert_ne!(old, new, "every index was built anew: {after:?}");
    }
    assert_eq!(rows_in(&mut owner, &part), 50);

    // The partition now holds rows: the next import takes the usual path
    // (the same index relations, kept up to date row by row) and updates.
    let o = import(&mut vrs, "131016", &file("131016", 60));
    assert_eq!((o.imported, o.unchanged, o.committed), (10, 50, true));
    assert_eq!(catalog(&mut owner, &part), after, "the usual path");
    assert_eq!(rows_in(&mut owner, &part), 60);
    let who = "municipality:131016".parse().unwrap();
    let Answer::Done(n) = vrs.count_residents(who, None).unwrap() else {
        panic!("refused")
    };
    assert_eq!(n, 60);
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn the_first_load_is_not_taken_when_another_municipality_of_the_partition_has_rows() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner)) = fresh() else {
        return;
    };
    let other = neighbour(&mut owner);
    let part = partition_of(&mut owner, 131_016);
    for m in ["131016", other.as_str()] {
        consent(&mut vrs, m, DocumentId::Terms20211203);
    }
    let empty = catalog(&mut owner, &part);
    let o = import(&mut vrs, &other, &file(&other, 7));
    assert_eq!((o.imported, o.committed), (7, true), "{:?}", o.errors);
    let loaded = catalog(&mut owner, &part);
    assert_ne!(loaded.index_oids, empty.index_oids, "{other} took the path");

    // 131016 has no resident, but its partition holds {other}'s.
    let o = import(&mut vrs, "131016", &file("131016", 5));
    assert_eq!((o.imported, o.committed), (5, true), "{:?}", o.errors);
    assert_eq!(
        catalog(&mut owner, &part),
        loaded,
        "131016 took the usual path"
    );
    assert_eq!(rows_in(&mut owner, &part), 12);
}

#[test]
fn a_failed_first_load_leaves_the_partition_attached_with_its_indexes() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    let before = catalog(&mut owner, &part);
    let line = |address: &str, seed: u64, ticket: u64| {
        format!(
            "131016,{address},{},{ticket:010},山田\u{3000}太郎,ヤマダ\u{3000}タロウ,1980-02-17,1\n",
            my_number(seed)
        )
    };
    // Each unique index in turn fails to build.
    let cases = [
        ("A1", 1, 1, "A1", 3, 3, "address_number"),
        ("A1", 1, 1, "A2", 1, 2, "my_number"),
        ("A1", 1, 1, "A2", 2, 1, "ticket_number"),
    ];
    for (a1, s1, t1, a2, s2, t2, column) in cases {
        let csv = format!("{HEADER}{}{}", line(a1, s1, t1), line(a2, s2, t2));
        let o = import(&mut vrs, "131016", &csv);
        let errors: Vec<(u64, &str)> = o
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(errors, [(3, column)], "{column}");
        assert!(!o.committed, "{column}");
        // Exactly as before, down to the indexes' OIDs: everything rolled back.
        assert_eq!(catalog(&mut owner, &part), before, "{column}");
        assert_eq!(rows_in(&mut owner, &part), 0, "{column}");
    }
    // A good file then takes the path.
    let o = import(&mut vrs, "131016", &file("131016", 3));
    assert_eq!((o.imported, o.committed), (3, true), "{:?}", o.errors);
    let after = catalog(&mut owner, &part);
    assert_same_shape(&before, &after);
    assert_ne!(after.index_oids, before.index_oids);
}

#[test]
fn row_level_security_binds_a_partition_that_took_the_first_load() {
    let Some((_drop, _dir, mut vrs, schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    let before = catalog(&mut owner, &part);
    let o = import(&mut vrs, "131016", &file("131016", 4));
    assert_eq!((o.imported, o.committed), (4, true), "{:?}", o.errors);
    assert_ne!(catalog(&mut owner, &part).index_oids, before.index_oids);

    let base = test_database_url().unwrap();
    let mut app = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    app.batch_execute(&format!("SET search_path = {schema}; SET ROLE vrs_app"))
        .unwrap();
    let all = "SELECT count(*) FROM residents";
    assert_eq!(
        crate::backends_pg::count_in(&mut app, "131016", "", all),
        4,
        "its own area"
    );
    assert_eq!(
        crate::backends_pg::count_in(&mut app, "131041", "", all),
        0,
        "another area"
    );
    assert_eq!(
        crate::backends_pg::count_in(&mut app, "", "", all),
        0,
        "no area"
    );
    assert_eq!(
        crate::backends_pg::count_in(&mut app, "", "national", all),
        4,
        "national"
    );
    // The re-attached partition is still reached only through the parent.
    let e = app
        .query_one(&format!("SELECT count(*) FROM {part}"), &[])
        .unwrap_err();
    assert!(format!("{e:?}").contains("permission denied"), "{e:?}");
    // Writing into another area is still refused by the policy.
    let mut tx = app.transaction().unwrap();
    tx.execute("SELECT set_config('app.municipality', '131041', true)", &[])
        .unwrap();
    let e = tx
        .execute(
            "INSERT INTO residents SELECT * FROM residents WHERE false
             UNION ALL SELECT 131016, 'X1', decode(repeat('00', 32), 'hex'), '\\x00', 99, 'n',
                 'k', '1980-01-01', 1, 1, NULL, NULL",
            &[],
        )
        .unwrap_err();
    assert!(format!("{e:?}").contains("row-level security"), "{e:?}");
    drop(tx);

    // The function loads only into one municipality's own area.
    for (area, scope) in [("", ""), ("", "national")] {
        assert_eq!(
            refused_as_app(&mut app, area, scope, "SELECT vrs_residents_first_load(1)"),
            postgres::error::SqlState::INSUFFICIENT_PRIVILEGE,
            "area {area:?} scope {scope:?}"
        );
    }
    // Its definer's rights are narrow: a fixed search_path with pg_temp last,
    // EXECUTE for the application role and the owner only (not PUBLIC).
    let f = owner
        .query_one(
            "SELECT prosecdef, proconfig, proacl::text[] FROM pg_proc
             WHERE oid = 'vrs_residents_first_load(bigint)'::regprocedure",
            &[],
        )
        .unwrap();
    assert!(f.get::<_, bool>(0));
    assert_eq!(
        f.get::<_, Vec<String>>(1),
        [format!("search_path={schema}, pg_temp")]
    );
    let acl: Vec<String> = f.get(2);
    assert_eq!(acl.len(), 2, "{acl:?}");
    assert!(acl.iter().any(|a| a.starts_with("vrs_app=X/")), "{acl:?}");
    assert!(
        !acl.iter().any(|a| a.starts_with("=X")),
        "not PUBLIC: {acl:?}"
    );
}
