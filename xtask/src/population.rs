//! `cargo xtask fixtures population`: deterministic synthetic residents — valid
//! My Numbers, plausible kanji/kana names, birth dates 1920–2020. No real person.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vrs_domain::{MunicipalityCode, MyNumber};

#[derive(clap::Args)]
pub(crate) struct PopulationArgs {
    /// The municipality whose resident file this is, e.g. 131016.
    #[arg(long)]
    municipality: String,
    /// How many residents.
    #[arg(long)]
    count: u64,
    /// Seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// utf-8 (default) or cp932.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
}

/// Family names (kanji, katakana): common surnames.
const FAMILY: [(&str, &str); 24] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
];

/// Given names (kanji, katakana, sex code).
const GIVEN: [(&str, &str, u8); 24] = [
    ("太郎", "タロウ", 1),
    ("翔", "ショウ", 1),
    ("大輔", "ダイスケ", 1),
    ("健一", "ケンイチ", 1),
    ("誠", "マコト", 1),
    ("蓮", "レン", 1),
    ("浩", "ヒロシ", 1),
    ("拓也", "タクヤ", 1),
    ("直樹", "ナオキ", 1),
    ("悠真", "ユウマ", 1),
    ("茂", "シゲル", 1),
    ("勇気", "ユウキ", 1),
    ("花子", "ハナコ", 2),
    ("陽菜", "ヒナ", 2),
    ("美咲", "ミサキ", 2),
    ("恵子", "ケイコ", 2),
    ("裕子", "ユウコ", 2),
    ("葵", "アオイ", 2),
    ("直美", "ナオミ", 2),
    ("結衣", "ユイ", 2),
    ("幸子", "サチコ", 2),
    ("さくら", "サクラ", 2),
    ("由美", "ユミ", 2),
    ("和子", "カズコ", 2),
];

const HEADER: &str = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

/// The `i`-th My Number of a population: a bijection of `i` onto 11-digit bodies
/// (multiplying by a number coprime to 10 permutes residues mod 10^11), so no
/// two residents ever share one.
pub(crate) fn my_number(offset: u64, i: u64) -> String {
    const MOD: u64 = 100_000_000_000;
    let body = (offset.wrapping_add(i.wrapping_mul(7_919_000_003))) % MOD;
    let mut digits = format!("{body:011}").into_bytes();
    let check = MyNumber::check_digit(&digits);
    digits.push(b'0' + check);
    String::from_utf8(digits).unwrap_or_default()
}

/// Writes `count` residents of `municipality` as CSV lines (with header) to `out`.
pub(crate) fn write_population(
    municipality: MunicipalityCode,
    count: u64,
    seed: u64,
    out: &mut dyn Write,
    cp932: bool,
) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ u64::from(municipality.as_u32()) << 20);
    let offset = rng.gen_range(0..100_000_000_000u64);
    let mut emit = |line: &str| -> anyhow::Result<()> {
        if cp932 {
            let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(line);
            anyhow::ensure!(!unmappable, "line not representable in CP932");
            out.write_all(&bytes)?;
        } else {
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    };
    emit(HEADER)?;
    let mut line = String::with_capacity(160);
    for i in 0..count {
        let (family, family_kana) = FAMILY[rng.gen_range(0..FAMILY.len())];
        let (given, given_kana, sex) = GIVEN[rng.gen_range(0..GIVEN.len())];
        let year = rng.gen_range(1920..=2020);
        let month = rng.gen_range(1..=12);
        let day = rng.gen_range(1..=28);
        line.clear();
        use std::fmt::Write as _;
        writeln!(
            line,
            "{municipality},{},{},{:010},{family}\u{3000}{given},{family_kana}\u{3000}{given_kana},{year:04}-{month:02}-{day:02},{sex}",
            format_args!("A{:09}", i + 1),
            my_number(offset, i),
            i + 1,
        )?;
        emit(&line)?;
    }
    Ok(())
}

pub(crate) fn run(args: PopulationArgs) -> anyhow::Result<()> {
    let municipality = MunicipalityCode::parse_municipality(&args.municipality)
        .map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    let cp932 = match args.encoding.as_str() {
        "utf-8" | "utf8" => false,
        "cp932" => true,
        other => anyhow::bail!("--encoding: {other:?} is not utf-8 or cp932"),
    };
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    write_population(municipality, args.count, args.seed, &mut w, cp932)?;
    w.flush()?;
    eprintln!(
        "wrote {} synthetic residents of {} ({}) to {}",
        args.count,
        municipality,
        municipality.info().name,
        args.out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_my_numbers_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000 {
            let n = my_number(12_345, i);
            n.parse::<MyNumber>().unwrap();
            assert!(seen.insert(n), "repeat at {i}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_file() {
        let m: MunicipalityCode = "131016".parse().unwrap();
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_population(m, 50, 7, &mut a, false).unwrap();
        write_population(m, 50, 7, &mut b, false).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        write_population(m, 50, 8, &mut c, false).unwrap();
        assert_ne!(a, c);
    }
}
