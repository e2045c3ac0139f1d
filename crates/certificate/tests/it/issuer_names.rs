//! The English issuer line against the English names municipalities use for themselves
//! (cities, special wards, towns, villages), each with where it was read. The line is
//! romanised from the registry's kana; these names are the municipalities' own, so the
//! test fails if the romanisation drifts from how they write themselves.

use vrs_certificate::issuer_en;

/// (code, the municipality's own English name, its prefecture, source).
const OFFICIAL: &[(&str, &str, &str, &str)] = &[
    // Cities.
    ("271004", "Osaka City", "Osaka",
     "https://www.city.osaka.lg.jp/contents/wdu020/enjoy/en/overview/content_Greeting.html (\"Osaka City 大阪市 The City of Osaka official website\")"),
    ("261009", "Kyoto City", "Kyoto",
     "http://www2.city.kyoto.lg.jp/koho/eng/topics/2004_06/ (the city's English news: \"Kyoto City will be selling tickets\")"),
    ("011002", "Sapporo City", "Hokkaido",
     "https://www.city.sapporo.jp.e.ain.hp.transer.com/koho/hp/how_to/search.html (the city site's English edition: \"Sapporo City Call Center\")"),
    // Tokyo's special wards, which call themselves cities.
    ("131032", "Minato City", "Tokyo",
     "https://docslib.org/doc/8689355/useful-information-for-everyday-living-in-minato-city (the city's booklet \"Useful Information for Everyday Living in Minato City\", www.city.minato.tokyo.jp)"),
    ("131041", "Shinjuku City", "Tokyo",
     "https://docslib.org/doc/7552174/useful-information (the city's booklet \"Information Distributed by Shinjuku City\")"),
    ("131121", "Setagaya City", "Tokyo",
     "https://docslib.org/doc/5421366/setagaya-city-basic-plan-fy-2014-to-fy-2023 (\"Setagaya City Basic Plan\", edited and published by the City of Setagaya)"),
    // Towns.
    ("013951", "Niseko Town", "Hokkaido",
     "https://www.town.niseko.lg.jp/koho_niseko/r5/r0602/text/?wovn=en (the town's newsletter, English edition of its own site)"),
    ("203211", "Karuizawa Town", "Nagano",
     "https://fdocuments.in/document/concerto-of-the-winds-01-karuizawa-is-a-highland-resort-town-nestled-in-the.html (\"Karuizawa Town Guidebook ... Published by: Karuizawa Town\")"),
    ("143821", "Hakone Town", "Kanagawa",
     "https://communitytourism.apec.org/listing/hakone-town-japan/ (APEC community tourism listing \"Introduction to Hakone Town\")"),
    // Villages.
    ("204854", "Hakuba Village", "Nagano",
     "https://en.friday.news/article/34829 (quoting \"Hakuba Village's tourism statistics\" and the Hakuba Village Tourism Bureau; the village's own site is Japanese: http://www.vill.hakuba.lg.jp/)"),
    ("133078", "Hinohara Village", "Tokyo",
     "https://de.wiki.li/Hinohara_(Tokio) (the village hall's address as it writes it: \"Hinohara Village Hall\", www.vill.hinohara.tokyo.jp)"),
];

#[test]
fn the_english_issuer_line_is_the_name_each_municipality_uses_for_itself() {
    assert!(OFFICIAL.len() >= 10);
    for (code, name, prefecture, source) in OFFICIAL {
        assert!(source.starts_with("http"), "{code}: no source");
        let got = issuer_en(code.parse().unwrap());
        assert_eq!(
            got,
            format!("Mayor of {name}, {prefecture}"),
            "code {code} ({source})"
        );
    }
}

#[test]
fn the_brief_example_and_the_other_heads() {
    for (code, want) in [
        ("131016", "Mayor of Chiyoda City, Tokyo"),
        ("011011", "Head of Chuo Ward, Sapporo City, Hokkaido"),
        ("130001", "Governor of Tokyo"),
        ("010006", "Governor of Hokkaido"),
        ("270008", "Governor of Osaka"),
    ] {
        assert_eq!(issuer_en(code.parse().unwrap()), want, "code {code}");
    }
}
