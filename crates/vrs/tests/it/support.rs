//! Test helpers: a fresh instance at a fixed time, and synthetic resident files.

use chrono::TimeZone;
use vrs::domain::MyNumber;
use vrs::{jst, FixedClock, Vrs};

pub(crate) const HEADER: &str =
    "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

pub(crate) fn clock() -> FixedClock {
    FixedClock(jst().with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap())
}

pub(crate) fn fresh() -> (tempfile::TempDir, Vrs) {
    let dir = tempfile::tempdir().unwrap();
    Vrs::init(dir.path(), None, &clock()).unwrap();
    let vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    (dir, vrs)
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
