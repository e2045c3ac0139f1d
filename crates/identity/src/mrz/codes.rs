//! Issuing-state and nationality codes: ISO 3166-1 alpha-3 plus ICAO 9303 Part 3's own codes.

/// ISO 3166-1 alpha-3 codes (249), sorted. Source: Debian `iso-codes` 4.15.0,
/// `/usr/share/iso-codes/json/iso_3166-1.json` (facts; see fixtures/vectors/mrz/SOURCE.md).
const ISO_3166_ALPHA3: [&str; 249] = [
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// Codes ICAO 9303 Part 3 adds for MRZs (sorted; `D` is Germany, written `D<<`):
/// British nationality classes, UN bodies, other organisations, stateless
/// persons and refugees, the EU, and the specimen state Utopia.
const ICAO_EXTRA: [&str; 26] = [
    "D", "EUE", "GBD", "GBN", "GBO", "GBP", "GBS", "UNA", "UNK", "UNO", "UTO", "XBA", "XCC", "XCE",
    "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
];

/// Symbols per position: `A`–`Z`, then "absent" (a filler or the end).
const RADIX: usize = 27;
/// One bit per possible code of up to three letters.
const WORDS: usize = (RADIX * RADIX * RADIX).div_ceil(64);

/// The bit index of a code of one to three capital letters, or `None`.
const fn index(code: &[u8]) -> Option<usize> {
    if code.is_empty() || code.len() > 3 {
        return None;
    }
    let mut i = 0;
    let mut acc = 0;
    while i < 3 {
        let symbol = if i < code.len() {
            let c = code[i];
            if !c.is_ascii_uppercase() {
                return None;
            }
            (c - b'A') as usize
        } else {
            RADIX - 1
        };
        acc = acc * RADIX + symbol;
        i += 1;
    }
    Some(acc)
}

const fn add_all(mut bits: [u64; WORDS], codes: &[&str]) -> [u64; WORDS] {
    let mut i = 0;
    while i < codes.len() {
        if let Some(at) = index(codes[i].as_bytes()) {
            bits[at / 64] |= 1 << (at % 64);
        }
        i += 1;
    }
    bits
}

/// Every known code as a bitmap, built at compile time (a lookup is one shift).
static KNOWN: [u64; WORDS] = add_all(add_all([0; WORDS], &ISO_3166_ALPHA3), &ICAO_EXTRA);

/// Whether `code` (fillers removed) is an ICAO issuing-state or nationality code.
pub(crate) fn is_known(code: &str) -> bool {
    index(code.as_bytes()).is_some_and(|at| KNOWN[at / 64] & (1 << (at % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tables_are_sorted_so_binary_search_works() {
        assert!(ISO_3166_ALPHA3.windows(2).all(|w| w[0] < w[1]));
        assert!(ICAO_EXTRA.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_bitmap_holds_exactly_the_listed_codes() {
        let mut count = 0;
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                for c in b'A'..=b'Z' {
                    let code = [a, b, c];
                    let code = std::str::from_utf8(&code).unwrap();
                    let listed = ISO_3166_ALPHA3.contains(&code) || ICAO_EXTRA.contains(&code);
                    assert_eq!(is_known(code), listed, "code {code}");
                    count += usize::from(listed);
                }
            }
        }
        assert_eq!(count, ISO_3166_ALPHA3.len() + ICAO_EXTRA.len() - 1);
        assert!(is_known("D") && !is_known("A") && !is_known("ABCD"));
    }

    #[test]
    fn icao_special_codes_are_known_and_made_up_ones_are_not() {
        for (code, known) in [
            ("D", true),
            ("UTO", true),
            ("XXA", true),
            ("XXB", true),
            ("XXC", true),
            ("XXX", true),
            ("EUE", true),
            ("UNO", true),
            ("GBS", true),
            ("JPN", true),
            ("DEU", true),
            ("INP", false),
            ("ASU", false),
            ("UT0", false),
            ("", false),
        ] {
            assert_eq!(is_known(code), known, "code {code:?}");
        }
    }
}
