//! English names of local governments: their kana reading in Hepburn romanisation as
//! Japan's municipalities write their own names (no macrons: おお, おう and うう become
//! o and u; っ doubles the next consonant; ん is n), plus "City", "Town", "Village" or
//! "Ward" for 市, 町, 村 and 区 ("Chiyoda City", "Niseko Town", "Chuo Ward"). Tokyo's
//! special wards call themselves cities in English, so 千代田区 is "Chiyoda City".
//!
//! Limitation: a long vowel is not told from two vowels of two words (小海 こうみ is
//! "Koumi" to its town, "Komi" here); the golden test of the certificate crate lists the
//! official names this agrees with.

use crate::{LocalGov, LocalGovKind};

/// Two-kana syllables (a kana and a small ゃゅょ or ぇ/ぃ).
const DIGRAPHS: &[(&str, &str)] = &[
    ("きゃ", "kya"),
    ("きゅ", "kyu"),
    ("きょ", "kyo"),
    ("しゃ", "sha"),
    ("しゅ", "shu"),
    ("しょ", "sho"),
    ("しぇ", "she"),
    ("ちゃ", "cha"),
    ("ちゅ", "chu"),
    ("ちょ", "cho"),
    ("ちぇ", "che"),
    ("にゃ", "nya"),
    ("にゅ", "nyu"),
    ("にょ", "nyo"),
    ("ひゃ", "hya"),
    ("ひゅ", "hyu"),
    ("ひょ", "hyo"),
    ("みゃ", "mya"),
    ("みゅ", "myu"),
    ("みょ", "myo"),
    ("りゃ", "rya"),
    ("りゅ", "ryu"),
    ("りょ", "ryo"),
    ("ぎゃ", "gya"),
    ("ぎゅ", "gyu"),
    ("ぎょ", "gyo"),
    ("じゃ", "ja"),
    ("じゅ", "ju"),
    ("じょ", "jo"),
    ("じぇ", "je"),
    ("ぢゃ", "ja"),
    ("ぢゅ", "ju"),
    ("ぢょ", "jo"),
    ("びゃ", "bya"),
    ("びゅ", "byu"),
    ("びょ", "byo"),
    ("ぴゃ", "pya"),
    ("ぴゅ", "pyu"),
    ("ぴょ", "pyo"),
    ("てぃ", "ti"),
    ("でぃ", "di"),
    ("ふぁ", "fa"),
    ("ふぃ", "fi"),
    ("ふぇ", "fe"),
    ("ふぉ", "fo"),
];

fn mono(c: char) -> Option<&'static str> {
    Some(match c {
        'あ' => "a",
        'い' => "i",
        'う' => "u",
        'え' => "e",
        'お' => "o",
        'か' => "ka",
        'き' => "ki",
        'く' => "ku",
        'け' => "ke",
        'こ' => "ko",
        'さ' => "sa",
        'し' => "shi",
        'す' => "su",
        'せ' => "se",
        'そ' => "so",
        'た' => "ta",
        'ち' => "chi",
        'つ' => "tsu",
        'て' => "te",
        'と' => "to",
        'な' => "na",
        'に' => "ni",
        'ぬ' => "nu",
        'ね' => "ne",
        'の' => "no",
        'は' => "ha",
        'ひ' => "hi",
        'ふ' => "fu",
        'へ' => "he",
        'ほ' => "ho",
        'ま' => "ma",
        'み' => "mi",
        'む' => "mu",
        'め' => "me",
        'も' => "mo",
        'や' => "ya",
        'ゆ' => "yu",
        'よ' => "yo",
        'ら' => "ra",
        'り' => "ri",
        'る' => "ru",
        'れ' => "re",
        'ろ' => "ro",
        'わ' => "wa",
        'ゐ' => "i",
        'ゑ' => "e",
        'を' => "o",
        'ん' => "n",
        'が' => "ga",
        'ぎ' => "gi",
        'ぐ' => "gu",
        'げ' => "ge",
        'ご' => "go",
        'ざ' => "za",
        'じ' => "ji",
        'ず' => "zu",
        'ぜ' => "ze",
        'ぞ' => "zo",
        'だ' => "da",
        'ぢ' => "ji",
        'づ' => "zu",
        'で' => "de",
        'ど' => "do",
        'ば' => "ba",
        'び' => "bi",
        'ぶ' => "bu",
        'べ' => "be",
        'ぼ' => "bo",
        'ぱ' => "pa",
        'ぴ' => "pi",
        'ぷ' => "pu",
        'ぺ' => "pe",
        'ぽ' => "po",
        'ゔ' => "vu",
        _ => return None,
    })
}

/// Hepburn romanisation of hiragana or katakana as municipalities write names: lowercase,
/// no macrons. `None` when the text holds anything but kana (and ー).
pub fn hepburn(kana: &str) -> Option<String> {
    // Katakana to hiragana (ヴ included); ー lengthens, which the official style drops.
    let hira: Vec<char> = kana
        .chars()
        .filter(|&c| c != 'ー')
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c => c,
        })
        .collect();
    let mut syllables: Vec<String> = Vec::new();
    let mut double_next = false;
    let mut i = 0;
    while i < hira.len() {
        let c = hira[i];
        if c == 'っ' {
            double_next = true;
            i += 1;
            continue;
        }
        let pair: String = hira[i..(i + 2).min(hira.len())].iter().collect();
        let (syl, used) = match DIGRAPHS.iter().find(|(k, _)| *k == pair) {
            Some((_, r)) => ((*r).to_owned(), 2),
            None => (mono(c)?.to_owned(), 1),
        };
        let syl = if double_next {
            double_next = false;
            match syl.strip_prefix("ch") {
                Some(_) => format!("t{syl}"),
                None => {
                    let first = syl.chars().next()?;
                    if "aeiou".contains(first) {
                        syl
                    } else {
                        format!("{first}{syl}")
                    }
                }
            }
        } else {
            syl
        };
        syllables.push(syl);
        i += used;
    }
    let mut out = syllables.concat();
    // Long vowels, as the municipalities drop them: ou, oo → o; uu → u.
    for (long, short) in [("ou", "o"), ("oo", "o"), ("uu", "u")] {
        while let Some(at) = out.find(long) {
            out.replace_range(at..at + 2, short);
        }
    }
    Some(out)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The kana reading of each kanji suffix, and its English word.
const SUFFIXES: &[(char, &[&str], &str)] = &[
    ('市', &["し"], "City"),
    ('町', &["ちょう", "まち"], "Town"),
    ('村', &["むら", "そん"], "Village"),
    ('区', &["く"], "Ward"),
];

/// A prefecture's English name without "Prefecture": 東京都 → Tokyo, 北海道 → Hokkaido,
/// 大阪府 → Osaka, 長野県 → Nagano.
fn prefecture_en(p: &LocalGov) -> Option<String> {
    let reading = if p.name == "北海道" {
        p.name_kana
    } else {
        ["と", "ふ", "けん"]
            .iter()
            .find_map(|s| p.name_kana.strip_suffix(s))?
    };
    Some(capitalise(&hepburn(reading)?))
}

/// The English name of a municipality or ward without its prefecture ("Chiyoda City",
/// "Chuo Ward"), from its kana reading.
pub fn local_gov_en(g: &LocalGov) -> Option<String> {
    if g.kind == LocalGovKind::Prefecture {
        return prefecture_en(g);
    }
    let last = g.name.chars().last()?;
    let (_, readings, word) = SUFFIXES.iter().find(|(k, _, _)| *k == last)?;
    let stem = readings.iter().find_map(|r| g.name_kana.strip_suffix(r))?;
    // Tokyo's special wards (区 that are municipalities) call themselves cities.
    let word = if last == '区' && g.kind == LocalGovKind::Municipality {
        "City"
    } else {
        word
    };
    Some(format!("{} {word}", capitalise(&hepburn(stem)?)))
}

impl LocalGov {
    /// English name with where it lies, for certificates: "Chiyoda City, Tokyo",
    /// "Chuo Ward, Sapporo City, Hokkaido", "Tokyo". `None` when the registry's kana
    /// cannot be romanised (never for the registry vrs ships; a test checks every entry).
    pub fn name_en(&self) -> Option<String> {
        let own = local_gov_en(self)?;
        let pref = self.prefecture_code.info();
        let mut parts = vec![own];
        if self.kind == LocalGovKind::Ward {
            let city = crate::all_local_govs().find(|g| {
                g.kind == LocalGovKind::Municipality
                    && g.prefecture_code == self.prefecture_code
                    && self.parent.ends_with(g.name)
                    && self.parent.len() > g.name.len()
            })?;
            parts.push(local_gov_en(city)?);
        }
        if self.kind != LocalGovKind::Prefecture {
            parts.push(prefecture_en(pref)?);
        }
        Some(parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hepburn_table() {
        for (kana, want) in [
            ("ちよだ", "chiyoda"),
            ("さっぽろ", "sapporo"),
            ("おおさか", "osaka"),
            ("きょうと", "kyoto"),
            ("とうきょう", "tokyo"),
            ("しんじゅく", "shinjuku"),
            ("ほっかいどう", "hokkaido"),
            ("いいやま", "iiyama"),
            ("まっちゃ", "matcha"),
            ("ぐんま", "gunma"),
            ("ニセコ", "niseko"),
            ("ふじ", "fuji"),
        ] {
            assert_eq!(hepburn(kana).as_deref(), Some(want), "kana {kana}");
        }
        assert_eq!(hepburn("千代田"), None);
    }

    #[test]
    fn every_registered_local_government_has_an_english_name_without_kanji() {
        let mut n = 0;
        for g in crate::all_local_govs() {
            let en = g
                .name_en()
                .unwrap_or_else(|| panic!("{} {} {}", g.code, g.name, g.name_kana));
            assert!(
                en.chars()
                    .all(|c| c.is_ascii_alphabetic() || " ,'".contains(c)),
                "{} {}: {en}",
                g.code,
                g.name
            );
            n += 1;
        }
        assert!(n > 1900, "{n}");
    }
}
