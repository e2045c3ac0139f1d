//! `PersonName` (氏名) and `KanaName` (氏名カナ).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::DomainError;

/// Longest name part we accept, in characters (the card's name field is far shorter).
const MAX_PART: usize = 50;

/// A person's name as the resident registry writes it: family name, then given name,
/// separated by an ideographic space (U+3000) or an ASCII space. Further spaces stay
/// in the given name (e.g. foreign residents' middle names).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonName {
    family: String,
    given: String,
}

impl PersonName {
    /// The family name (氏).
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The given name (名).
    pub fn given(&self) -> &str {
        &self.given
    }
}

impl FromStr for PersonName {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "name";
        let s = s.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        crate::text::check_free_text(s, FIELD)?;
        let Some((family, given)) = s.split_once([' ', '\u{3000}']) else {
            return Err(DomainError::Invalid {
                field: FIELD,
                reason: "family and given name must be separated by a space (U+3000 or U+0020)"
                    .into(),
            });
        };
        let given = given.trim_start_matches([' ', '\u{3000}']);
        for part in [family, given] {
            let n = part.chars().count();
            if n > MAX_PART {
                return Err(DomainError::Length {
                    field: FIELD,
                    expected: "at most 50 per part",
                    actual: n,
                });
            }
        }
        Ok(Self {
            family: family.to_owned(),
            given: given.to_owned(),
        })
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\u{3000}{}", self.family, self.given)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({self})")
    }
}

impl Serialize for PersonName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PersonName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A name in full-width katakana (氏名カナ). Half-width katakana input (ｶﾅ, with
/// ﾞ and ﾟ combined into one letter) becomes full-width; spaces become U+3000.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KanaName(String);

impl KanaName {
    /// The normalised full-width text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Full-width forms of U+FF61..=U+FF9D (half-width katakana block).
const HALF_TO_FULL: [char; 61] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン',
];

fn voiced(c: char) -> Option<char> {
    match c {
        'ウ' => Some('ヴ'),
        'カ'..='ト' | 'ハ'..='ホ' => {
            let code = c as u32;
            // Voiceable letters sit at fixed offsets; the voiced form is the next code point.
            let ok = matches!(
                c,
                'カ' | 'キ'
                    | 'ク'
                    | 'ケ'
                    | 'コ'
                    | 'サ'
                    | 'シ'
                    | 'ス'
                    | 'セ'
                    | 'ソ'
                    | 'タ'
                    | 'チ'
                    | 'ツ'
                    | 'テ'
                    | 'ト'
                    | 'ハ'
                    | 'ヒ'
                    | 'フ'
                    | 'ヘ'
                    | 'ホ'
            );
            if ok {
                char::from_u32(code + 1)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn semi_voiced(c: char) -> Option<char> {
    match c {
        'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(c as u32 + 2),
        _ => None,
    }
}

impl FromStr for KanaName {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "name_kana";
        let s = s.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            let full = match c {
                '\u{FF61}'..='\u{FF9D}' => HALF_TO_FULL[(c as u32 - 0xFF61) as usize],
                '\u{FF9E}' | '\u{FF9F}' => {
                    let prev = out.pop();
                    let combined = prev.and_then(|p| {
                        if c == '\u{FF9E}' {
                            voiced(p)
                        } else {
                            semi_voiced(p)
                        }
                    });
                    match combined {
                        Some(v) => v,
                        None => {
                            return Err(DomainError::Character {
                                field: FIELD,
                                reason: "a sound mark (ﾞ or ﾟ) follows a letter that cannot take it",
                            })
                        }
                    }
                }
                ' ' | '\u{3000}' => '\u{3000}',
                other => other,
            };
            let ok = matches!(full, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | '\u{3000}');
            if !ok {
                return Err(DomainError::Character {
                    field: FIELD,
                    reason: "only katakana, ー, ・ and spaces are allowed",
                });
            }
            out.push(full);
        }
        let n = out.chars().count();
        if n > 2 * MAX_PART {
            return Err(DomainError::Length {
                field: FIELD,
                expected: "at most 100",
                actual: n,
            });
        }
        Ok(Self(out))
    }
}

impl fmt::Display for KanaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KanaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KanaName({})", self.0)
    }
}

impl Serialize for KanaName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for KanaName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_name_table() {
        for (input, expected) in [
            ("黒桐\u{3000}幹也", Some(("黒桐", "幹也"))),
            ("黒桐 幹也", Some(("黒桐", "幹也"))),
            ("SMITH JOHN PAUL", Some(("SMITH", "JOHN PAUL"))),
            ("\u{3000}山田\u{3000}\u{3000}太郎 ", Some(("山田", "太郎"))),
            ("山田太郎", None),
            ("", None),
            ("山田\t太郎", None),
            (" 山田 太郎", Some(("山田", "太郎"))),
            ("\u{3000}山田 太郎\u{3000}", Some(("山田", "太郎"))),
        ] {
            let got = input.parse::<PersonName>();
            let got = got.as_ref().ok().map(|n| (n.family(), n.given()));
            assert_eq!(got, expected, "input {input:?}");
        }
        let n: PersonName = "黒桐 幹也".parse().unwrap();
        assert_eq!(n.to_string(), "黒桐\u{3000}幹也");
        let fifty = "山".repeat(50);
        let fifty_one = "山".repeat(51);
        for (input, want) in [
            (format!("{fifty} {fifty}"), Ok(())),
            (
                format!("{fifty_one} 太郎"),
                Err("name: expected at most 50 per part characters, got 51"),
            ),
            (
                format!("山田 {fifty_one}"),
                Err("name: expected at most 50 per part characters, got 51"),
            ),
            ("\u{3000} ".to_owned(), Err("name: empty")),
            (
                "山田\u{7}太郎".to_owned(),
                Err("name: control characters are not allowed (S-2-13)"),
            ),
            (
                "山田太郎".to_owned(),
                Err("name: family and given name must be separated by a space (U+3000 or U+0020)"),
            ),
        ] {
            assert_eq!(
                input
                    .parse::<PersonName>()
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                want.map_err(str::to_owned),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn kana_name_table() {
        for (input, expected) in [
            ("コクトウ\u{3000}ミキヤ", Some("コクトウ\u{3000}ミキヤ")),
            ("ｺｸﾄｳ ﾐｷﾔ", Some("コクトウ\u{3000}ミキヤ")),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", Some("ヤマダ\u{3000}タロウ")),
            ("ﾎﾟﾝﾀﾞ", Some("ポンダ")),
            ("ｳﾞｨｰﾅｽ", Some("ヴィーナス")),
            ("ヤマダ・ハナコ", Some("ヤマダ・ハナコ")),
            ("やまだ たろう", None),
            ("山田", None),
            ("YAMADA", None),
            ("ﾞｱ", None),
            ("ｱﾞ", None),
            ("ｯﾞ", None),
            ("ｿﾞｿﾟ", None),
            ("ｶﾞｷﾞｸﾞｹﾞｺﾞ", Some("ガギグゲゴ")),
            ("ｻﾞｼﾞｽﾞｾﾞｿﾞ", Some("ザジズゼゾ")),
            ("ﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞ", Some("ダヂヅデド")),
            ("ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ", Some("バビブベボ")),
            ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", Some("パピプペポ")),
            ("ｦｧｨｩｪｫｬｭｮｯｰ", Some("ヲァィゥェォャュョッー")),
            ("ﾝ", Some("ン")),
            ("ｱ｡", None),
            ("", None),
            ("\u{3000} ", None),
        ] {
            let got = input.parse::<KanaName>().ok();
            assert_eq!(
                got.as_ref().map(KanaName::as_str),
                expected,
                "input {input:?}"
            );
        }
        for (input, want) in [
            ("ア".repeat(100), Ok(())),
            (
                "ア".repeat(101),
                Err("name_kana: expected at most 100 characters, got 101"),
            ),
            ("".to_owned(), Err("name_kana: empty")),
            (
                "ｱﾟ".to_owned(),
                Err("name_kana: a sound mark (ﾞ or ﾟ) follows a letter that cannot take it"),
            ),
            (
                "やまだ".to_owned(),
                Err("name_kana: only katakana, ー, ・ and spaces are allowed"),
            ),
        ] {
            assert_eq!(
                input
                    .parse::<KanaName>()
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                want.map_err(str::to_owned),
                "input {input:?}"
            );
        }
    }
}
