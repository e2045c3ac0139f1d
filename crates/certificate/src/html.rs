//! The printable certificate: one self-contained A4 HTML page in Japanese and English
//! with the fields of A10-2 (holder, doses, issuer, certificate ID, issue date) and the
//! QR code(s), for `certificate.html`.
//!
//! Every value taken from the content is HTML-escaped ([`escape`]): names come from
//! outside input. The page has no scripts and loads nothing (inline CSS, inline SVG),
//! and there is no My Number to show: [`CertificateContent`] has no field for one.

use std::fmt::Write;

use vrs_domain::{
    CertificateContent, CertificateDose, CertificateKind, LocalGovKind, MunicipalityCode,
};

/// Renders the certificate as a printable one-page A4 HTML document.
///
/// `shc_qr_svg` (the SMART Health Card QR) and `vds_qr_svg` (the ICAO VDS-NC QR of an
/// overseas certificate) are SVG markup as [`crate::QrMatrix::to_svg`] writes it; they are
/// inserted as markup, not escaped, so they must come from this crate's renderer and never
/// from outside input.
pub fn render_html(
    content: &CertificateContent,
    shc_qr_svg: &str,
    vds_qr_svg: Option<&str>,
) -> String {
    let mut html =
        String::with_capacity(8 * 1024 + shc_qr_svg.len() + vds_qr_svg.map_or(0, str::len));
    html.push_str(HEAD);

    let (kind_ja, kind_en) = match content.kind() {
        CertificateKind::Domestic => ("国内用", "For use in Japan"),
        CertificateKind::Overseas(_) => ("海外用", "For overseas use"),
    };
    let _ = writeln!(
        html,
        "<header><h1>新型コロナウイルス感染症 予防接種証明書<span lang=\"en\">Vaccination Certificate of COVID-19</span></h1>\
         <p class=\"kind\">{kind_ja}<span lang=\"en\">{kind_en}</span></p></header>"
    );

    html.push_str("<section><h2>接種者 / <span lang=\"en\">Vaccinated person</span></h2><dl>\n");
    let name = escape(&content.name().to_string());
    let birth_date = escape(&content.birth_date().to_string());
    match content.kind() {
        CertificateKind::Domestic => {
            wide_field(&mut html, "氏名", "Name", &name);
            field(&mut html, "生年月日", "Date of birth", &birth_date);
        }
        CertificateKind::Overseas(holder) => {
            wide_field(&mut html, "氏名（漢字）", "Name (kanji)", &name);
            wide_field(
                &mut html,
                "氏名（ローマ字）",
                "Name (as in passport)",
                &escape(&holder.romaji_name.to_string()),
            );
            field(&mut html, "生年月日", "Date of birth", &birth_date);
            field(
                &mut html,
                "国籍・地域",
                "Nationality / Region",
                &escape(holder.nationality.as_str()),
            );
            field(
                &mut html,
                "旅券番号",
                "Passport number",
                &escape(holder.passport_number.as_str()),
            );
        }
    }
    html.push_str("</dl></section>\n");

    html.push_str(
        "<section><h2>接種記録 / <span lang=\"en\">Vaccination record</span></h2>\
         <p class=\"disease\">対象疾病 新型コロナウイルス感染症 / <span lang=\"en\">Disease: COVID-19</span></p>\
         <table><thead><tr>\
         <th class=\"num\">回数<span lang=\"en\">Dose</span></th>\
         <th class=\"date\">接種日<span lang=\"en\">Date</span></th>\
         <th>ワクチン<span lang=\"en\">Vaccine</span></th>\
         <th class=\"lot\">ロット番号<span lang=\"en\">Lot</span></th>\
         <th class=\"country\">接種国<span lang=\"en\">Country</span></th>\
         </tr></thead><tbody>\n",
    );
    for dose in content.doses() {
        dose_row(&mut html, dose);
    }
    html.push_str("</tbody></table></section>\n");

    html.push_str("<section><dl>\n");
    wide_field(
        &mut html,
        "発行者",
        "Issuer",
        &issuer_html(content.issuer()),
    );
    field(
        &mut html,
        "証明書ID",
        "Certificate ID",
        &format!(
            "<span class=\"mono\">{}</span>",
            escape(content.id().as_str())
        ),
    );
    // The VDS-NC carries the UVCI, not the 32-hex ID: a border officer matches the paper
    // to the seal by it.
    if matches!(content.kind(), CertificateKind::Overseas(_)) {
        field(
            &mut html,
            "UVCI（ICAO VDS-NC）",
            "UVCI (ICAO VDS-NC)",
            &format!(
                "<span class=\"mono\">{}</span>",
                escape(&crate::vds::uvci(content))
            ),
        );
    }
    field(
        &mut html,
        "発行日",
        "Date of issue",
        &escape(&content.issued_on().format("%Y-%m-%d").to_string()),
    );
    html.push_str("</dl></section>\n");

    html.push_str("<section class=\"codes\">\n");
    qr_figure(&mut html, shc_qr_svg, "SMART Health Card");
    if let Some(svg) = vds_qr_svg {
        qr_figure(&mut html, svg, "ICAO VDS-NC");
    }
    html.push_str(
        "</section>\n<footer>この証明書の内容は、二次元コードの電子署名により検証できます。\
         <span lang=\"en\">The contents of this certificate can be verified with the digital signature \
         in the 2D code.</span></footer>\n</main>\n</body>\n</html>\n",
    );
    html
}

/// The issuer as the head of the local government: a municipality's name ends in 市, 区,
/// 町 or 村, so adding 長 gives 千代田区長, 札幌市長 (T1-4-2). Codes that do not issue (a
/// prefecture, a ward of a designated city) still get their own head's title. The English
/// line is all romanised ([`issuer_en`]).
fn issuer_html(code: MunicipalityCode) -> String {
    let info = code.info();
    let title_ja = match info.kind {
        LocalGovKind::Prefecture => "知事",
        _ => "長",
    };
    format!(
        "{parent}{name}{title_ja}（地方公共団体コード {code}）<span lang=\"en\">{en} \
         (local government code {code})</span>",
        parent = escape(info.parent),
        name = escape(info.name),
        en = escape(&issuer_en(code)),
        code = escape(&code.to_string()),
    )
}

/// The issuer in English, romanised from the registry's kana: "Mayor of Chiyoda City,
/// Tokyo", "Mayor of Niseko Town, Hokkaido", "Governor of Tokyo".
pub fn issuer_en(code: MunicipalityCode) -> String {
    let info = code.info();
    let title = match info.kind {
        LocalGovKind::Prefecture => "Governor",
        LocalGovKind::Ward => "Head",
        _ => "Mayor",
    };
    // Every registered code romanises (vrs-domain tests each); the code is the fallback.
    let name = info
        .name_en()
        .unwrap_or_else(|| format!("local government {code}"));
    format!("{title} of {name}")
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One `<dt>`/`<dd>` pair; `value_html` is already escaped.
fn field(html: &mut String, ja: &str, en: &str, value_html: &str) {
    let _ = writeln!(
        html,
        "<dt>{ja}<span lang=\"en\">{en}</span></dt><dd>{value_html}</dd>"
    );
}

/// Like [`field`], with the value spanning the rest of the row (names, issuer).
fn wide_field(html: &mut String, ja: &str, en: &str, value_html: &str) {
    let _ = writeln!(
        html,
        "<dt>{ja}<span lang=\"en\">{en}</span></dt><dd class=\"wide\">{value_html}</dd>"
    );
}

fn dose_row(html: &mut String, dose: &CertificateDose) {
    let p = dose.product;
    let _ = writeln!(
        html,
        "<tr><td class=\"num\">{}</td><td class=\"date\">{}</td><td>{}（{}）<span lang=\"en\">{} ({}) · CVX {}</span></td>\
         <td class=\"mono\">{}</td><td>日本<span lang=\"en\">{}</span></td></tr>",
        dose.dose_number.get(),
        dose.date.format("%Y-%m-%d"),
        escape(p.brand_ja()),
        escape(p.maker_ja()),
        escape(p.brand()),
        escape(p.maker()),
        escape(dose.cvx()),
        escape(dose.lot.as_str()),
        CertificateDose::COUNTRY,
    );
}

fn qr_figure(html: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        html,
        "<figure class=\"qr\">{}<figcaption>{caption}</figcaption></figure>",
        svg.trim_end()
    );
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>予防接種証明書 / Vaccination Certificate of COVID-19</title>
<style>
@page { size: A4; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; color: #000; }
body { font-family: "Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic", "Droid Sans Fallback", sans-serif; font-size: 9.5pt; line-height: 1.2; }
main { width: 210mm; margin: 0 auto; padding: 8mm 13mm 6mm; }
span[lang="en"] { display: block; font-size: 6.5pt; color: #333; }
header { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 0.6mm solid #000; padding-bottom: 1mm; margin-bottom: 2mm; }
h1 { font-size: 15pt; margin: 0; }
h1 span[lang="en"] { font-size: 11pt; color: #000; }
.kind { margin: 0; font-size: 12pt; font-weight: bold; text-align: right; }
.kind span[lang="en"] { font-size: 9pt; color: #000; }
h2 span[lang="en"], .disease span[lang="en"] { display: inline; font-size: inherit; color: #000; }
section { margin-bottom: 2mm; }
h2 { font-size: 10.5pt; margin: 0 0 0.8mm; }
dl { display: grid; grid-template-columns: 34mm 1fr 28mm 1fr; margin: 0; border-top: 0.2mm solid #999; }
dt, dd { margin: 0; padding: 0.6mm 1mm 0.6mm 0; border-bottom: 0.2mm solid #999; }
dt { font-weight: bold; }
dd { font-size: 11pt; }
dd span[lang="en"] { font-size: 7pt; }
dd.wide { grid-column: span 3; }
.disease { margin: 0 0 0.8mm; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
th, td { border: 0.2mm solid #999; padding: 0.4mm 1mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.num { width: 11mm; text-align: center; }
.date { width: 21mm; white-space: nowrap; }
.lot { width: 27mm; word-break: break-all; }
.country { width: 13mm; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
.codes { display: flex; justify-content: center; gap: 8mm; margin: 2.5mm 0 1.5mm; }
.qr { margin: 0; text-align: center; }
.qr svg { display: block; width: 80mm; height: 80mm; }
figcaption { font-size: 8pt; }
footer { font-size: 8pt; border-top: 0.2mm solid #999; padding-top: 0.8mm; }
</style>
</head>
<body>
<main>
"#;

#[cfg(test)]
mod tests {
    use vrs_domain::{CertificateId, CertificateParts, DoseNumber, OverseasHolder, RomajiName};

    use super::*;

    use crate::{encode_bytes, encode_shc};

    /// The SHC QR of a short (unsigned) numeric text, rendered by this crate.
    fn shc_svg() -> String {
        encode_shc("shc:/5676290952432060346029243740")
            .unwrap()
            .to_svg()
    }

    /// A byte-mode QR standing in for the VDS-NC document, rendered by this crate.
    fn vds_svg() -> String {
        encode_bytes(r#"{"data":{"hdr":{"t":"icao.vacc"}}}"#)
            .unwrap()
            .to_svg()
    }

    fn content(kind: CertificateKind, name: &str) -> CertificateContent {
        let dose = |date: &str, product: &str, lot: &str, n: u8| CertificateDose {
            date: date.parse().unwrap(),
            site: None,
            product: product.parse().unwrap(),
            lot: lot.parse().unwrap(),
            dose_number: DoseNumber::new(n).unwrap(),
        };
        CertificateContent::new(CertificateParts {
            kind,
            name: name.parse().unwrap(),
            birth_date: "1980-02-17".parse().unwrap(),
            doses: vec![
                dose("2021-06-01", "comirnaty", "FA5765", 1),
                dose("2022-01-20", "spikevax-booster", "3005236", 2),
            ],
            issuer: "131016".parse().unwrap(),
            id: CertificateId::from_random_bytes([0xab; 16]),
            issued_on: "2023-01-10".parse().unwrap(),
        })
        .unwrap()
    }

    fn overseas() -> CertificateKind {
        CertificateKind::Overseas(OverseasHolder {
            romaji_name: RomajiName::new("YAMADA", "HANAKO").unwrap(),
            nationality: "JPN".parse().unwrap(),
            passport_number: "TK1234567".parse().unwrap(),
            sex: None,
        })
    }

    #[test]
    fn escape_table() {
        for (input, want) in [
            ("山田　花子", "山田　花子"),
            ("<script>", "&lt;script&gt;"),
            ("a & b", "a &amp; b"),
            ("\"'", "&quot;&#39;"),
            ("&lt;", "&amp;lt;"),
        ] {
            assert_eq!(escape(input), want, "input {input:?}");
        }
    }

    #[test]
    fn issuer_title_table() {
        for (code, want) in [
            ("131016", "東京都千代田区長（地方公共団体コード"),
            ("011002", "北海道札幌市長（地方公共団体コード"),
            ("011011", "北海道札幌市中央区長（地方公共団体コード"),
            ("130001", "東京都知事（地方公共団体コード"),
        ] {
            let html = issuer_html(code.parse().unwrap());
            assert!(html.starts_with(want), "code {code}: {html}");
            assert!(html.contains(code), "code {code}: {html}");
        }
    }

    #[test]
    fn no_english_text_of_a_page_holds_kanji_or_kana() {
        for kind in [CertificateKind::Domestic, overseas()] {
            let html = render_html(&content(kind, "山田　花子"), &shc_svg(), None);
            let mut rest = html.as_str();
            let mut spans = 0;
            while let Some(at) = rest.find("<span lang=\"en\">") {
                let after = &rest[at + 17..];
                let end = after.find("</span>").expect("closed span");
                let text = &after[..end];
                assert!(
                    !text
                        .chars()
                        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}')),
                    "English text with Japanese script: {text}"
                );
                spans += 1;
                rest = &after[end..];
            }
            assert!(spans > 5, "{spans} English spans");
        }
    }

    #[test]
    fn a_name_with_a_script_tag_is_escaped_not_inserted() {
        let html = render_html(
            &content(CertificateKind::Domestic, "<script>alert(1)</script> 花子"),
            &shc_svg(),
            None,
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script"), "no script element in {html}");
    }

    #[test]
    fn a_domestic_page_has_every_a10_2_field_and_no_passport_fields() {
        let html = render_html(
            &content(CertificateKind::Domestic, "山田　花子"),
            &shc_svg(),
            None,
        );
        for want in [
            "新型コロナウイルス感染症 予防接種証明書",
            "Vaccination Certificate of COVID-19",
            "国内用",
            "氏名",
            "山田　花子",
            "生年月日",
            "1980-02-17",
            "接種記録",
            "2021-06-01",
            "コミナティ筋注",
            "Comirnaty",
            "Pfizer",
            "FA5765",
            "2022-01-20",
            "3005236",
            "JPN",
            "発行者",
            "東京都千代田区長",
            "Mayor of Chiyoda City, Tokyo",
            "131016",
            "証明書ID",
            "abababababababababababababababab",
            "発行日",
            "2023-01-10",
            shc_svg().trim_end(),
            "@page { size: A4",
        ] {
            assert!(html.contains(want), "domestic page lacks {want:?}");
        }
        for absent in [
            "旅券番号",
            "Passport number",
            "国籍",
            "ローマ字",
            "ICAO VDS-NC",
        ] {
            assert!(!html.contains(absent), "domestic page shows {absent:?}");
        }
    }

    #[test]
    fn an_overseas_page_adds_the_passport_fields_and_the_vds_qr() {
        let html = render_html(
            &content(overseas(), "山田　花子"),
            &shc_svg(),
            Some(&vds_svg()),
        );
        for want in [
            "海外用",
            "山田　花子",
            "YAMADA HANAKO",
            "1980-02-17",
            "国籍・地域",
            "Nationality",
            "旅券番号",
            "Passport number",
            "TK1234567",
            "東京都千代田区長",
            "abababababababababababababababab",
            "2023-01-10",
            shc_svg().trim_end(),
            vds_svg().trim_end(),
            "SMART Health Card",
            "ICAO VDS-NC",
        ] {
            assert!(html.contains(want), "overseas page lacks {want:?}");
        }
        let dose_rows = html.matches("<tr><td class=\"num\">").count();
        assert_eq!(dose_rows, 2, "one table row per dose");
        // The UVCI the VDS-NC carries is printed beside the certificate ID.
        let uvci = crate::uvci(&content(overseas(), "山田　花子"));
        assert!(
            html.contains(&format!("<span class=\"mono\">{uvci}</span>")),
            "{html}"
        );
        let domestic = render_html(
            &content(CertificateKind::Domestic, "山田　花子"),
            &shc_svg(),
            None,
        );
        assert!(!domestic.contains("UVCI"), "no UVCI without a VDS-NC");
    }

    #[test]
    fn the_page_loads_nothing_from_outside_and_runs_no_script() {
        let html = render_html(
            &content(overseas(), "山田　花子"),
            &shc_svg(),
            Some(&vds_svg()),
        );
        let outside = html.replace("http://www.w3.org/2000/svg", "");
        for absent in [
            "<script", "<link", "<img", "@import", "url(", "http://", "https://",
        ] {
            assert!(!outside.contains(absent), "page contains {absent:?}");
        }
    }
}
