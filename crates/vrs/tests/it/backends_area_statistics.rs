//! PostgreSQL only: a bulk load that brings a municipality's rows into a
//! partition leaves the partition's statistics knowing that municipality
//! (`vrs_know_area`), so a one-row lookup of it (the foreign-key check of
//! every dose inserted) goes through the primary key instead of walking all
//! of its rows through another index that leads with the municipality.
//! Looked at in pg_stats and EXPLAIN as the schema's owner.

use vrs::consent::DocumentId;
use vrs::domain::{all_local_govs, LocalGovKind};
use vrs::{Answer, Vrs};

use crate::backends_first_load::{fresh, import, partition_of};
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

/// A municipality other than 131016 whose rows share 131016's partition.
fn neighbour(owner: &mut postgres::Client) -> String {
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

#[test]
fn a_municipalitys_first_rows_in_a_partition_are_known_to_its_statistics_at_commit() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner)) = fresh() else {
        return;
    };
    let other = neighbour(&mut owner);
    let o: i32 = other.parse().unwrap();
    for m in ["131016", other.as_str()] {
        consent(&mut vrs, m, DocumentId::Terms20211203);
    }
    let part = partition_of(&mut owner, 131_016);
    assert_eq!(
        known(&mut owner, &part),
        Vec::<i32>::new(),
        "never analysed"
    );

    // The first load of the empty partition, then a municipality joining it.
    assert!(import(&mut vrs, "131016", &file("131016", 400)).committed);
    assert_eq!(known(&mut owner, &part), vec![131_016]);
    assert!(import(&mut vrs, &other, &file(&other, 300)).committed);
    assert_eq!(
        known(&mut owner, &part),
        vec![o.min(131_016), o.max(131_016)]
    );
    for m in [131_016, o] {
        assert_eq!(fk_check_index(&mut owner, m), format!("{part}_pkey"));
    }

    // The doses' partition learns each municipality with its first upload.
    let doses = part.replace("residents_", "doses_");
    assert_eq!(known(&mut owner, &doses), Vec::<i32>::new());
    upload(&mut vrs, "131016", 40);
    assert_eq!(known(&mut owner, &doses), vec![131_016]);
    upload(&mut vrs, &other, 30);
    assert_eq!(
        known(&mut owner, &doses),
        vec![o.min(131_016), o.max(131_016)]
    );
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn the_owners_analyse_runs_only_for_an_unknown_municipality_and_only_on_two_tables() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner)) = fresh() else {
        return;
    };
    consent(&mut vrs, "131016", DocumentId::Terms20211203);
    assert!(import(&mut vrs, "131016", &file("131016", 50)).committed);
    // As the application role, the way the store calls it.
    owner.batch_execute("SET ROLE vrs_app").unwrap();
    let call = |c: &mut postgres::Client, t: &str| {
        c.query_one("SELECT vrs_know_area($1, 131016)", &[&t])
            .map(|r| r.get::<_, bool>(0))
    };
    assert!(!call(&mut owner, "residents").unwrap(), "already known");
    assert!(call(&mut owner, "doses").unwrap(), "no dose of 131016 yet");
    let refused = call(&mut owner, "audit_log").unwrap_err();
    assert_eq!(
        refused.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{refused}"
    );
}
