//! PostgreSQL only: a municipality whose rows join a partition never looks
//! empty to the planner, so a one-row lookup of it (the foreign-key check of
//! every dose inserted) goes through the primary key instead of walking all of
//! its rows through another index that leads with the municipality. Schema
//! version 10 keeps no statistics on the municipality column; a partition
//! analysed before it keeps them and `vrs_know_area` refreshes them when a
//! bulk load brings a municipality they lack. Looked at in pg_stats and
//! EXPLAIN as the schema's owner.

use vrs::consent::DocumentId;
use vrs::{Answer, Vrs};

use crate::backends_first_load::{fresh, import, neighbour, partition_of};
use crate::support::{consent, file};

/// The municipalities the statistics of `table`'s partition `part` know.
fn known(owner: &mut postgres::Client, part: &str) -> Vec<i32> {
    owner
        .query_opt(
            "SELECT most_common_vals::text::integer[] FROM pg_stats
             WHERE schemaname = current_schema() AND tablename = $1 AND attname = 'municipality'",
            &[&part],
        )
        .unwrap()
        .and_then(|r| r.get::<_, Option<Vec<i32>>>(0))
        .map(|mut v| {
            v.sort_unstable();
            v
        })
        .unwrap_or_default()
}

/// The index the planner takes for the foreign key's check of a dose's
/// resident (`SELECT 1 FROM residents WHERE municipality = m AND
/// address_number = a FOR KEY SHARE`, as PostgreSQL's RI trigger asks it).
fn fk_check_index(owner: &mut postgres::Client, m: i32) -> String {
    let plan: Vec<String> = owner
        .query(
            &format!(
                "EXPLAIN SELECT 1 FROM residents x
                 WHERE municipality = {m} AND address_number = 'A1' FOR KEY SHARE OF x"
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let line = plan
        .iter()
        .find_map(|l| {
            l.split_once("Index Scan using ")
                .or_else(|| l.split_once("Index Only Scan using "))
                .or_else(|| l.split_once("Bitmap Index Scan on "))
                .map(|(_, rest)| rest.to_owned())
        })
        .unwrap_or_else(|| panic!("no index scan: {plan:?}"));
    line.split(' ').next().unwrap().to_owned()
}

fn upload(vrs: &mut Vrs, m: &str, n: u64) {
    let mut csv = "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師\n".to_owned();
    for t in 1..=n {
        csv += &format!("11{m}{t:010},comirnaty,FA5765,2021-06-01,会場A,医師A\n");
    }
    let who = format!("site:{m}").parse().unwrap();
    let Answer::Done(o) = vrs.import_doses(who, csv.as_bytes(), None).unwrap() else {
        panic!("refused")
    };
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert_eq!(o.registered, n);
}

/// Analyses a partition as autovacuum would.
fn analyse(owner: &mut postgres::Client, part: &str) {
    owner.batch_execute(&format!("ANALYZE {part}")).unwrap();
}

fn stats_target(owner: &mut postgres::Client, rel: &str) -> i32 {
    owner
        .query_one(
            "SELECT attstattarget::integer FROM pg_attribute
             WHERE attrelid = $1::text::regclass AND attname = 'municipality'",
            &[&rel],
        )
        .unwrap()
        .get(0)
}

/// Two municipalities of one partition, both consented, and that partition
/// of residents and of doses.
fn two_of_one_partition(owner: &mut postgres::Client, vrs: &mut Vrs) -> (String, String, String) {
    let other = neighbour(owner);
    for m in ["131016", other.as_str()] {
        consent(vrs, m, DocumentId::Terms20211203);
    }
    let part = partition_of(owner, 131_016);
    let doses = part.replace("residents_", "doses_");
    (other, part, doses)
}

#[test]
fn a_municipality_joining_an_analysed_partition_is_looked_up_by_the_primary_key() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner)) = fresh() else {
        return;
    };
    let (other, part, doses) = two_of_one_partition(&mut owner, &mut vrs);
    for rel in [
        "residents",
        "doses",
        "dose_history",
        "issuances",
        part.as_str(),
        doses.as_str(),
    ] {
        assert_eq!(stats_target(&mut owner, rel), 0, "{rel}");
    }
    assert!(import(&mut vrs, "131016", &file("131016", 400)).committed);
    upload(&mut vrs, "131016", 40);
    analyse(&mut owner, &part);
    analyse(&mut owner, &doses);
    assert!(import(&mut vrs, &other, &file(&other, 300)).committed);
    upload(&mut vrs, &other, 30);
    analyse(&mut owner, &part);
    assert_eq!(
        known(&mut owner, &part),
        Vec::<i32>::new(),
        "no statistics on the column"
    );
    assert_eq!(known(&mut owner, &doses), Vec::<i32>::new());
    let other_columns: i64 = owner
        .query_one(
            "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1",
            &[&part],
        )
        .unwrap()
        .get(0);
    assert!(other_columns > 5, "the other columns are analysed");
    for m in [131_016, other.parse().unwrap()] {
        assert_eq!(fk_check_index(&mut owner, m), format!("{part}_pkey"));
    }
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn a_partition_analysed_before_version_10_learns_each_municipality_its_loads_bring() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner)) = fresh() else {
        return;
    };
    let (other, part, doses) = two_of_one_partition(&mut owner, &mut vrs);
    let o: i32 = other.parse().unwrap();
    let both = vec![o.min(131_016), o.max(131_016)];
    // As a partition analysed before version 10 is left: the default target.
    for rel in [&part, &doses] {
        owner
            .batch_execute(&format!(
                "ALTER TABLE {rel} ALTER COLUMN municipality SET STATISTICS -1"
            ))
            .unwrap();
    }
    assert!(import(&mut vrs, "131016", &file("131016", 400)).committed);
    upload(&mut vrs, "131016", 40);
    analyse(&mut owner, &part);
    analyse(&mut owner, &doses);
    assert_eq!(known(&mut owner, &part), vec![131_016]);
    assert_eq!(known(&mut owner, &doses), vec![131_016]);

    assert!(import(&mut vrs, &other, &file(&other, 300)).committed);
    assert_eq!(known(&mut owner, &part), both, "the import analysed it");
    upload(&mut vrs, &other, 30);
    assert_eq!(known(&mut owner, &doses), both, "the upload analysed it");
    for m in [131_016, o] {
        assert_eq!(fk_check_index(&mut owner, m), format!("{part}_pkey"));
    }
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn the_owners_analyse_runs_only_for_a_municipality_its_statistics_lack_and_on_two_tables() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner)) = fresh() else {
        return;
    };
    let (other, part, _doses) = two_of_one_partition(&mut owner, &mut vrs);
    assert!(import(&mut vrs, "131016", &file("131016", 50)).committed);
    // As the application role, the way the store calls it.
    let call = |c: &mut postgres::Client, t: &str, m: &str| {
        c.batch_execute("SET ROLE vrs_app").unwrap();
        let r = c
            .query_one(
                "SELECT vrs_know_area($1, $2)",
                &[&t, &m.parse::<i32>().unwrap()],
            )
            .map(|r| r.get::<_, bool>(0));
        c.batch_execute("RESET ROLE").unwrap();
        r
    };
    assert!(
        !call(&mut owner, "residents", "131016").unwrap(),
        "target 0: nothing to do"
    );
    owner
        .batch_execute(&format!(
            "ALTER TABLE {part} ALTER COLUMN municipality SET STATISTICS -1"
        ))
        .unwrap();
    assert!(
        !call(&mut owner, "residents", "131016").unwrap(),
        "never analysed"
    );
    analyse(&mut owner, &part);
    assert!(!call(&mut owner, "residents", "131016").unwrap(), "known");
    assert!(
        call(&mut owner, "residents", &other).unwrap(),
        "lacking: analysed"
    );
    let refused = call(&mut owner, "audit_log", "131016").unwrap_err();
    assert_eq!(
        refused.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{refused}"
    );
}
