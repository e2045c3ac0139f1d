//! Test helpers: a fresh instance at a fixed time, and synthetic resident files.

use chrono::TimeZone;
use vrs::consent::DocumentId;
use vrs::domain::MyNumber;
use vrs::{jst, Answer, FixedClock, Vrs};

pub(crate) const HEADER: &str =
    "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

pub(crate) fn clock() -> FixedClock {
    FixedClock(jst().with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap())
}

/// A fresh instance where 千代田区, 新宿区 and 札幌市 consent to the base terms (T1-2-3).
pub(crate) fn fresh() -> (tempfile::TempDir, Vrs) {
    let (dir, mut vrs) = fresh_without_consents();
    for m in ["131016", "131041", "011002"] {
        consent(&mut vrs, m, DocumentId::Terms20211203);
    }
    (dir, vrs)
}

/// A fresh instance where no municipality has consented to anything.
pub(crate) fn fresh_without_consents() -> (tempfile::TempDir, Vrs) {
    let dir = tempfile::tempdir().unwrap();
    Vrs::init(dir.path(), None, &clock()).unwrap();
    let vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    (dir, vrs)
}

/// Municipality `m` consents to `doc` from today.
#[track_caller]
pub(crate) fn consent(vrs: &mut Vrs, m: &str, doc: DocumentId) {
    let who = format!("municipality:{m}").parse().unwrap();
    let Answer::Done(view) = vrs
        .grant_consent(who, None, doc, None, Some("test"))
        .unwrap()
    else {
        panic!("{m} could not consent to {doc}")
    };
    assert!(view
        .documents
        .iter()
        .any(|d| d.document == doc && d.granted));
}

/// A valid My Number derived from `seed` (distinct seeds give distinct numbers).
pub(crate) fn my_number(seed: u64) -> String {
    let mut digits = format!("{:011}", 10_000_000_000 + seed * 7).into_bytes();
    let check = MyNumber::check_digit(&digits);
    digits.push(b'0' + check);
    String::from_utf8(digits).unwrap()
}

/// One CSV line of a synthetic resident `i` of `municipality`.
pub(crate) fn row(municipality: &str, i: u64) -> String {
    format!(
        "{municipality},A{i},{},{:010},山田\u{3000}太郎{i},ヤマダ\u{3000}タロウ,1980-02-17,1\n",
        my_number(i + u64::from(municipality.parse::<u32>().unwrap()) * 1000),
        i
    )
}

/// A resident file of `n` rows.
pub(crate) fn file(municipality: &str, n: u64) -> String {
    let mut s = HEADER.to_owned();
    for i in 1..=n {
        s.push_str(&row(municipality, i));
    }
    s
}

/// Resident `i` of `from` moves to `to`: imports them into `to` with the moved-in
/// columns (previous municipality `from`, moved in on 2021-12-15) under address `M{i}`.
#[track_caller]
pub(crate) fn moved_in(vrs: &mut Vrs, from: &str, to: &str, i: u64) {
    let who = format!("municipality:{to}").parse().unwrap();
    let csv = format!(
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n\
         {to},M{i},{},{:010},山田\u{3000}太郎{i},ヤマダ\u{3000}タロウ,1980-02-17,1,{from},2021-12-15\n",
        my_number(i + u64::from(from.parse::<u32>().unwrap()) * 1000),
        900_000 + i
    );
    let Answer::Done(o) = vrs
        .import_residents(who, csv.as_bytes(), None, false)
        .unwrap()
    else {
        panic!("{to} could not import a moved-in resident")
    };
    assert!(o.committed && o.errors.is_empty(), "{:?}", o.errors);
}
