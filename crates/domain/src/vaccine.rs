//! The COVID-19 vaccine catalog (`VaccineProduct`), `LotNumber` and `DoseNumber`.
//!
//! Sources of the figures below, cited per entry:
//! - CVX codes: CDC IIS "Data Code Sets" CVX table and its COVID-19 crosswalks
//!   (cdc.gov/vaccines/programs/iis/COVID-19-related-codes.html; Fall 2023 table on
//!   cdc.gov/vaccines/programs/iis/code-sets.html). From the 2024–2025 season the CDC
//!   kept the 2023–2024 CVX codes and added NDCs only, so the JN.1/KP.2 forms share the
//!   XBB.1.5 codes and are one catalog entry each.
//! - Intervals: the PMDA package inserts (添付文書, 用法及び用量 and 用法及び用量に関連する注意)
//!   and the MHLW 新型コロナウイルス感染症に係る予防接種の実施に関する手引き. Primary series:
//!   Comirnaty "通常、3週間の間隔" (21 days), Spikevax "通常、4週間の間隔" (28 days),
//!   Vaxzevria "4～12週間の間隔" (28 days minimum), Nuvaxovid "通常、3週間の間隔" (21 days).
//!   Boosters and every booster-only product: "前回のSARS-CoV-2ワクチンの接種から少なくとも
//!   3ヵ月経過した後" (MHLW unified the booster interval to 3 months in October 2022; the
//!   catalog writes it as 90 days, the shortest three calendar months).
//! - Products without a CDC CVX code of their own (Japan-only: ダイチロナ, コスタイベ; and
//!   the BA.1 bivalent forms the US never used) carry the nearest CVX code for certificates
//!   (`cvx_is_own() == false`) and are found by catalog id only.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::DomainError;

/// Booster interval in days ("少なくとも3ヵ月", see the module docs).
const BOOSTER_DAYS: u16 = 90;

/// One row of the catalog.
#[derive(Debug)]
struct Row {
    id: &'static str,
    maker: &'static str,
    maker_ja: &'static str,
    brand: &'static str,
    brand_ja: &'static str,
    cvx: &'static str,
    cvx_is_own: bool,
    min_interval_days: u16,
    booster_only: bool,
}

/// The catalog, in the order products entered use in Japan. Each row cites its CVX source
/// (CDC) and interval source (package insert / MHLW) as described in the module docs.
const CATALOG: &[Row] = &[
    // CDC CVX 208: Pfizer-BioNTech 30 mcg/0.3 mL, 12+ (purple cap, diluted). Insert: 3 weeks.
    Row {
        id: "comirnaty",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty",
        brand_ja: "コミナティ筋注",
        cvx: "208",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // CDC CVX 218: Pfizer-BioNTech 10 mcg/0.2 mL, 5-11 years. Insert (5～11歳用): 3 weeks.
    Row {
        id: "comirnaty-5-11",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty 5-11 years",
        brand_ja: "コミナティ筋注5～11歳用",
        cvx: "218",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // CDC CVX 219: Pfizer-BioNTech 3 mcg/0.2 mL, 6 months-4 years. Insert (6ヵ月～4歳用): 3 weeks
    // between doses 1 and 2 (8 weeks before dose 3, checked by the caller's schedule rules).
    Row {
        id: "comirnaty-6m-4",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty 6 months-4 years",
        brand_ja: "コミナティ筋注6ヵ月～4歳用",
        cvx: "219",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // CDC CVX 207: Moderna 100 mcg/0.5 mL. Insert (スパイクバックス筋注): 4 weeks.
    Row {
        id: "spikevax",
        maker: "Moderna",
        maker_ja: "モデルナ",
        brand: "Spikevax",
        brand_ja: "スパイクバックス筋注",
        cvx: "207",
        cvx_is_own: true,
        min_interval_days: 28,
        booster_only: false,
    },
    // CDC CVX 221: Moderna 50 mcg/0.25 mL booster (Japan's half-dose 3rd/4th dose). MHLW: 3 months.
    Row {
        id: "spikevax-booster",
        maker: "Moderna",
        maker_ja: "モデルナ",
        brand: "Spikevax (booster, 0.25 mL)",
        brand_ja: "スパイクバックス筋注（追加免疫0.25mL）",
        cvx: "221",
        cvx_is_own: true,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // CDC CVX 210: AstraZeneca (Vaxzevria). Insert: "4～12週間の間隔" → 28 days minimum.
    Row {
        id: "vaxzevria",
        maker: "AstraZeneca",
        maker_ja: "アストラゼネカ",
        brand: "Vaxzevria",
        brand_ja: "バキスゼブリア筋注",
        cvx: "210",
        cvx_is_own: true,
        min_interval_days: 28,
        booster_only: false,
    },
    // CDC CVX 211: Novavax, recombinant spike, adjuvanted. Insert (ヌバキソビッド筋注): 3 weeks.
    Row {
        id: "nuvaxovid",
        maker: "Takeda/Novavax",
        maker_ja: "武田薬品工業",
        brand: "Nuvaxovid",
        brand_ja: "ヌバキソビッド筋注",
        cvx: "211",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // BA.1 bivalent (Japan, September 2022): never authorised in the US, no CVX of its own;
    // nearest code CDC CVX 300 (Pfizer bivalent 12+). Insert: booster only, 3 months (MHLW).
    Row {
        id: "comirnaty-bivalent-ba1",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Bivalent Original/Omicron BA.1",
        brand_ja: "コミナティRTU筋注（2価：起源株/オミクロン株BA.1）",
        cvx: "300",
        cvx_is_own: false,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // CDC CVX 300: Pfizer bivalent (Original/BA.4-5) 30 mcg/0.3 mL, 12+. Booster, 3 months.
    Row {
        id: "comirnaty-bivalent",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Bivalent Original/Omicron BA.4-5",
        brand_ja: "コミナティRTU筋注（2価：起源株/オミクロン株BA.4-5）",
        cvx: "300",
        cvx_is_own: true,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // CDC CVX 301: Pfizer bivalent 10 mcg/0.2 mL, 5-11 years. Booster, 3 months.
    Row {
        id: "comirnaty-bivalent-5-11",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Bivalent 5-11 years",
        brand_ja: "コミナティ筋注5～11歳用（2価：起源株/オミクロン株BA.4-5）",
        cvx: "301",
        cvx_is_own: true,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // CDC CVX 302: Pfizer bivalent 3 mcg/0.2 mL, 6 months-4 years. Used in Japan from 2023
    // for the third dose of the infant series; insert: 8 weeks after dose 2 (56 days).
    Row {
        id: "comirnaty-bivalent-6m-4",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Bivalent 6 months-4 years",
        brand_ja: "コミナティ筋注6ヵ月～4歳用（2価：起源株/オミクロン株BA.4-5）",
        cvx: "302",
        cvx_is_own: true,
        min_interval_days: 56,
        booster_only: false,
    },
    // BA.1 bivalent Moderna (Japan, September 2022): no CVX of its own; nearest CDC CVX 229.
    Row {
        id: "spikevax-bivalent-ba1",
        maker: "Moderna",
        maker_ja: "モデルナ",
        brand: "Spikevax Bivalent Original/Omicron BA.1",
        brand_ja: "スパイクバックス筋注（2価：起源株/オミクロン株BA.1）",
        cvx: "229",
        cvx_is_own: false,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // CDC CVX 229: Moderna bivalent (Original/BA.4-5) 50 mcg/0.5 mL. Booster, 3 months.
    Row {
        id: "spikevax-bivalent",
        maker: "Moderna",
        maker_ja: "モデルナ",
        brand: "Spikevax Bivalent Original/Omicron BA.4-5",
        brand_ja: "スパイクバックス筋注（2価：起源株/オミクロン株BA.4-5）",
        cvx: "229",
        cvx_is_own: true,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // CDC CVX 309: Pfizer monovalent 2023-2024 formula (XBB.1.5; the 2024-2025 JN.1/KP.2
    // forms kept the code) 30 mcg/0.3 mL, 12+. Insert: "少なくとも3ヵ月経過した後" for boosters;
    // for the unvaccinated the 2-dose series interval of 3 weeks applies.
    Row {
        id: "comirnaty-omicron",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Omicron XBB.1.5/JN.1/KP.2",
        brand_ja: "コミナティ筋注シリンジ12歳以上用（1価：オミクロン株）",
        cvx: "309",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // CDC CVX 310: Pfizer 2023-2024 formula 10 mcg/0.3 mL, 5-11 years. Insert: 3 weeks.
    Row {
        id: "comirnaty-omicron-5-11",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Omicron 5-11 years",
        brand_ja: "コミナティ筋注5～11歳用（1価：オミクロン株）",
        cvx: "310",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // CDC CVX 308: Pfizer 2023-2024 formula 3 mcg/0.3 mL, 6 months-4 years. Insert: 3 weeks.
    Row {
        id: "comirnaty-omicron-6m-4",
        maker: "Pfizer/BioNTech",
        maker_ja: "ファイザー",
        brand: "Comirnaty Omicron 6 months-4 years",
        brand_ja: "コミナティ筋注6ヵ月～4歳用（1価：オミクロン株）",
        cvx: "308",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // CDC CVX 312: Moderna 2023-2024 formula (XBB.1.5, later JN.1/KP.2) 50 mcg/0.5 mL, 12+.
    // Insert: 4 weeks for a primary series, 3 months after the previous dose for boosters.
    Row {
        id: "spikevax-omicron",
        maker: "Moderna",
        maker_ja: "モデルナ",
        brand: "Spikevax Omicron XBB.1.5/JN.1/KP.2",
        brand_ja: "スパイクバックス筋注（1価：オミクロン株）",
        cvx: "312",
        cvx_is_own: true,
        min_interval_days: 28,
        booster_only: false,
    },
    // CDC CVX 311: Moderna 2023-2024 formula 25 mcg/0.25 mL, 6 months-11 years. Insert: 4 weeks.
    Row {
        id: "spikevax-omicron-6m-11",
        maker: "Moderna",
        maker_ja: "モデルナ",
        brand: "Spikevax Omicron 6 months-11 years",
        brand_ja: "スパイクバックス筋注（1価：オミクロン株）6ヵ月～11歳",
        cvx: "311",
        cvx_is_own: true,
        min_interval_days: 28,
        booster_only: false,
    },
    // CDC CVX 313: Novavax 2023-2024 formula (XBB.1.5) 5 mcg/0.5 mL. Insert: 3 weeks primary.
    Row {
        id: "nuvaxovid-omicron",
        maker: "Takeda/Novavax",
        maker_ja: "武田薬品工業",
        brand: "Nuvaxovid XBB.1.5",
        brand_ja: "ヌバキソビッド筋注（1価：オミクロン株XBB.1.5）",
        cvx: "313",
        cvx_is_own: true,
        min_interval_days: 21,
        booster_only: false,
    },
    // Daiichi Sankyo DS-5670 (Japan only, December 2023): no CDC CVX code; certificates use
    // CDC CVX 213 "SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED FORMULATION". Insert (ダイチロナ
    // 筋注): booster only, "前回のSARS-CoV-2ワクチンの接種から少なくとも3ヵ月" after the 2024 revision.
    Row {
        id: "daichirona",
        maker: "Daiichi Sankyo",
        maker_ja: "第一三共",
        brand: "Daichirona",
        brand_ja: "ダイチロナ筋注",
        cvx: "213",
        cvx_is_own: false,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
    // Meiji Seika Pharma ARCT-154 self-amplifying mRNA (Japan only, 2024): no CDC CVX code;
    // CVX 213 as above. Insert (コスタイベ筋注用): booster at least 3 months after the previous dose.
    Row {
        id: "kostaive",
        maker: "Meiji Seika Pharma",
        maker_ja: "Meiji Seika ファルマ",
        brand: "Kostaive",
        brand_ja: "コスタイベ筋注用",
        cvx: "213",
        cvx_is_own: false,
        min_interval_days: BOOSTER_DAYS,
        booster_only: true,
    },
];

/// A COVID-19 vaccine product used in Japan: one entry of the built-in catalog.
///
/// Parse it from a catalog id (`"comirnaty"`) or from a CVX code (`"208"`); a CVX code
/// finds only a product whose own CDC code it is.
#[derive(Clone, Copy)]
pub struct VaccineProduct(&'static Row);

impl VaccineProduct {
    /// Every product in the catalog, in catalog order.
    pub fn all() -> impl Iterator<Item = VaccineProduct> {
        CATALOG.iter().map(VaccineProduct)
    }

    /// Finds a product by catalog id.
    pub fn by_id(id: &str) -> Option<Self> {
        CATALOG.iter().find(|r| r.id == id).map(VaccineProduct)
    }

    /// Finds a product whose own CVX code is `cvx`.
    pub fn by_cvx(cvx: &str) -> Option<Self> {
        CATALOG
            .iter()
            .find(|r| r.cvx_is_own && r.cvx == cvx)
            .map(VaccineProduct)
    }

    /// Catalog id, e.g. `comirnaty`.
    pub fn id(&self) -> &'static str {
        self.0.id
    }

    /// Marketing authorisation holder (English).
    pub fn maker(&self) -> &'static str {
        self.0.maker
    }

    /// Marketing authorisation holder (Japanese), as the ledger export writes it.
    pub fn maker_ja(&self) -> &'static str {
        self.0.maker_ja
    }

    /// Brand name (English).
    pub fn brand(&self) -> &'static str {
        self.0.brand
    }

    /// Japanese brand name, e.g. コミナティ筋注.
    pub fn brand_ja(&self) -> &'static str {
        self.0.brand_ja
    }

    /// CVX code written on certificates.
    pub fn cvx(&self) -> &'static str {
        self.0.cvx
    }

    /// Whether [`VaccineProduct::cvx`] is this product's own CDC code (false: nearest code).
    pub fn cvx_is_own(&self) -> bool {
        self.0.cvx_is_own
    }

    /// Minimum days after the previous dose for the product's first use in a series.
    pub fn min_interval_days(&self) -> u16 {
        self.0.min_interval_days
    }

    /// Whether the product is authorised only as a booster (never as dose 1).
    pub fn booster_only(&self) -> bool {
        self.0.booster_only
    }

    /// Minimum days after the previous dose when this product is given as dose `dose`:
    /// the primary-series interval for doses 1–2, the booster interval (3 months) after.
    pub fn min_interval_days_for(&self, dose: DoseNumber) -> u16 {
        if dose.get() <= 2 {
            self.0.min_interval_days
        } else {
            self.0.min_interval_days.max(BOOSTER_DAYS)
        }
    }
}

impl PartialEq for VaccineProduct {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for VaccineProduct {}

impl std::hash::Hash for VaccineProduct {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl fmt::Debug for VaccineProduct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VaccineProduct({})", self.0.id)
    }
}

impl fmt::Display for VaccineProduct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.id)
    }
}

impl FromStr for VaccineProduct {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DomainError::Empty { field: "vaccine" });
        }
        Self::by_id(s)
            .or_else(|| Self::by_cvx(s))
            .ok_or_else(|| DomainError::Invalid {
                field: "vaccine",
                reason: "neither a catalog id nor the CVX code of a product used in Japan".into(),
            })
    }
}

impl Serialize for VaccineProduct {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.id)
    }
}

impl<'de> serde::Deserialize<'de> for VaccineProduct {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A vaccine lot number: 1–20 ASCII letters, digits or '-'.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LotNumber(String);

impl LotNumber {
    /// The lot number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LotNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "lot";
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        let n = s.chars().count();
        if n > 20 {
            return Err(DomainError::Length {
                field: FIELD,
                expected: "1 to 20",
                actual: n,
            });
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(DomainError::Character {
                field: FIELD,
                reason: "only ASCII letters, digits and '-' are allowed",
            });
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for LotNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LotNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LotNumber({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LotNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Which dose of a person's series (1–9).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DoseNumber(u8);

impl DoseNumber {
    /// The number, 1–9.
    pub fn get(&self) -> u8 {
        self.0
    }

    /// Checks a number read from elsewhere (a database column, a card).
    pub fn new(n: u8) -> Result<Self, DomainError> {
        if (1..=9).contains(&n) {
            Ok(Self(n))
        } else {
            Err(DomainError::Invalid {
                field: "dose_number",
                reason: format!("{n} is not between 1 and 9"),
            })
        }
    }
}

impl FromStr for DoseNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "dose_number";
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        if s.len() != 1 || !s.as_bytes()[0].is_ascii_digit() {
            return Err(DomainError::Invalid {
                field: FIELD,
                reason: "not a single digit between 1 and 9".into(),
            });
        }
        Self::new(s.as_bytes()[0] - b'0')
    }
}

impl fmt::Display for DoseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for DoseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DoseNumber({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DoseNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(deserializer)?;
        Self::new(n).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_ids_are_unique_and_own_cvx_codes_find_their_product() {
        let mut ids = HashSet::new();
        for p in VaccineProduct::all() {
            assert!(ids.insert(p.id()), "duplicate id {}", p.id());
            assert!(
                p.cvx().len() == 3 && p.cvx().bytes().all(|b| b.is_ascii_digit()),
                "cvx of {}",
                p.id()
            );
            assert!(p.min_interval_days() >= 21, "interval of {}", p.id());
            if p.cvx_is_own() {
                assert_eq!(VaccineProduct::by_cvx(p.cvx()), Some(p), "cvx {}", p.cvx());
            }
            assert_eq!(
                p.id().parse::<VaccineProduct>().ok(),
                Some(p),
                "id {}",
                p.id()
            );
        }
    }

    #[test]
    fn lookup_by_id_or_cvx_table() {
        for (input, want) in [
            ("comirnaty", Some("comirnaty")),
            ("208", Some("comirnaty")),
            ("207", Some("spikevax")),
            ("210", Some("vaxzevria")),
            ("211", Some("nuvaxovid")),
            ("300", Some("comirnaty-bivalent")),
            ("309", Some("comirnaty-omicron")),
            ("daichirona", Some("daichirona")),
            ("kostaive", Some("kostaive")),
            (" 218 ", Some("comirnaty-5-11")),
            ("213", None),
            ("212", None),
            ("Comirnaty", None),
            ("", None),
        ] {
            let got = input.parse::<VaccineProduct>().ok().map(|p| p.id());
            assert_eq!(got, want, "input {input:?}");
        }
        for (input, want) in [
            ("  ", "vaccine: empty"),
            (
                "213",
                "vaccine: neither a catalog id nor the CVX code of a product used in Japan",
            ),
        ] {
            assert_eq!(
                input
                    .parse::<VaccineProduct>()
                    .map_err(|e| e.to_string())
                    .err(),
                Some(want.to_owned()),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn known_figures_match_the_sources() {
        for (id, maker, brand_ja, cvx, days) in [
            ("comirnaty", "Pfizer/BioNTech", "コミナティ筋注", "208", 21),
            ("spikevax", "Moderna", "スパイクバックス筋注", "207", 28),
            ("vaxzevria", "AstraZeneca", "バキスゼブリア筋注", "210", 28),
            (
                "nuvaxovid",
                "Takeda/Novavax",
                "ヌバキソビッド筋注",
                "211",
                21,
            ),
            ("daichirona", "Daiichi Sankyo", "ダイチロナ筋注", "213", 90),
            (
                "kostaive",
                "Meiji Seika Pharma",
                "コスタイベ筋注用",
                "213",
                90,
            ),
        ] {
            let p = VaccineProduct::by_id(id).unwrap();
            assert_eq!(
                (p.maker(), p.brand_ja(), p.cvx(), p.min_interval_days()),
                (maker, brand_ja, cvx, days),
                "product {id}"
            );
        }
    }

    #[test]
    fn booster_interval_applies_from_the_third_dose() {
        let p = VaccineProduct::by_id("comirnaty").unwrap();
        for (dose, days) in [(1, 21), (2, 21), (3, 90), (9, 90)] {
            assert_eq!(
                p.min_interval_days_for(DoseNumber::new(dose).unwrap()),
                days,
                "dose {dose}"
            );
        }
    }

    #[test]
    fn lot_number_table() {
        for (input, ok) in [
            ("FA5765", true),
            ("3005-A", true),
            ("a", true),
            ("12345678901234567890", true),
            ("123456789012345678901", false),
            ("1234567890123456789012", false),
            ("", false),
            ("AB 12", false),
            ("ＡＢ１", false),
            ("AB_1", false),
        ] {
            assert_eq!(input.parse::<LotNumber>().is_ok(), ok, "input {input:?}");
        }
        for (input, want) in [
            ("", "lot: empty"),
            (
                "123456789012345678901",
                "lot: expected 1 to 20 characters, got 21",
            ),
            (
                "AB_1",
                "lot: only ASCII letters, digits and '-' are allowed",
            ),
        ] {
            assert_eq!(
                input.parse::<LotNumber>().map_err(|e| e.to_string()).err(),
                Some(want.to_owned()),
                "input {input:?}"
            );
        }
        assert_eq!("FA5765".parse::<LotNumber>().unwrap().as_str(), "FA5765");
    }

    #[test]
    fn dose_number_table() {
        for (input, ok) in [
            ("1", true),
            ("9", true),
            ("0", false),
            ("10", false),
            ("", false),
            ("a", false),
            ("-1", false),
        ] {
            assert_eq!(input.parse::<DoseNumber>().is_ok(), ok, "input {input:?}");
        }
        for (input, want) in [
            ("", "dose_number: empty"),
            ("10", "dose_number: not a single digit between 1 and 9"),
            ("0", "dose_number: 0 is not between 1 and 9"),
        ] {
            assert_eq!(
                input.parse::<DoseNumber>().map_err(|e| e.to_string()).err(),
                Some(want.to_owned()),
                "input {input:?}"
            );
        }
        assert_eq!("7".parse::<DoseNumber>().unwrap().get(), 7);
        assert!(DoseNumber::new(0).is_err());
        assert_eq!(DoseNumber::new(3).unwrap().get(), 3);
    }

    #[test]
    fn serde_round_trips_through_the_checked_constructors() {
        let p: VaccineProduct = serde_json::from_str("\"spikevax\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"spikevax\"");
        assert!(serde_json::from_str::<LotNumber>("\"bad lot\"").is_err());
        assert!(serde_json::from_str::<DoseNumber>("0").is_err());
    }
}
