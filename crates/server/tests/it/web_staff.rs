//! The staff screens end to end over TLS: CSV upload with its error table,
//! resident search, the resident page with its dose forms and history, the
//! 403 page citing the provision, and escaping of every free text shown.

use crate::support::{dose, start, Fixture, HEADER};
use crate::web::Web;

/// A multipart body: the CSRF token first (as the form sends it), then the fields.
fn multipart(csrf: &str, fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----vrsTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    let mut part = |name: &str, filename: Option<&str>, value: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    };
    part("csrf", None, csrf.as_bytes());
    for (k, v) in fields {
        part(k, None, v.as_bytes());
    }
    part("file", Some("residents.csv"), file);
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Web {
    /// Uploads `file` through the CSV form with token `csrf`: status and page.
    pub(crate) async fn upload(&self, csrf: &str, file: &str) -> (u16, String) {
        let (content_type, body) = multipart(csrf, &[("encoding", "utf-8")], file.as_bytes());
        let r = self
            .client
            .post(format!("{}/upload", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        crate::web::assert_html_headers(r.headers(), "POST /upload");
        (status, r.text().await.unwrap())
    }
}

/// The residents count the home page shows.
async fn residents_on_home(web: &Web) -> String {
    let (status, html) = web.get("/").await;
    assert_eq!(status, 200);
    let at = html.find("p class=\"num\">").expect("count on home") + "p class=\"num\">".len();
    html[at..at + html[at..].find('<').unwrap()].to_owned()
}

/// The dose ids of a resident page's forms, in page order.
fn dose_ids(html: &str) -> Vec<String> {
    html.match_indices("action=\"/doses/")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('/').unwrap()].to_owned()
        })
        .fold(Vec::new(), |mut v, id| {
            if !v.contains(&id) {
                v.push(id);
            }
            v
        })
}

async fn register_dose(f: &Fixture, ticket: u64, count: u8, date: &str) {
    let (status, body) = f
        .post(
            &f.device,
            "/api/v1/doses",
            &dose("131016", ticket, count, date),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_uploads_a_csv_with_a_bad_row_sees_its_line_and_column_then_the_good_file() {
    let mut f = start().await;
    let web = Web::sign_in(&f, &f.clerk, 0).await;
    assert_eq!(residents_on_home(&web).await, "20");
    let (status, html) = web.get("/upload").await;
    assert_eq!(status, 200);
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("<progress"), "{html}");
    assert!(html.contains("src=\"/static/upload.js\""), "{html}");

    let good_21 = crate::support::row("131016", 21);
    let good_22 = crate::support::row("131016", 22);
    let bad = good_22.replace("1980-02-17", "1980-13-45");
    let (status, html) = web
        .upload(&web.csrf, &format!("{HEADER}{good_21}{bad}"))
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("何も取り込んでいません"), "{html}");
    // The fault table: line 3 (the header is line 1), the birth date column.
    let row = html
        .split("<tr>")
        .find(|r| r.contains("<td class=\"num\">3</td>"))
        .unwrap_or_else(|| panic!("no line 3 in {html}"));
    assert!(row.contains("<td>birth_date</td>"), "{row}");
    assert_eq!(residents_on_home(&web).await, "20", "nothing was imported");

    // Without the token (or with another), the upload is refused before it is read.
    let (status, _) = web.upload("00", &format!("{HEADER}{good_21}")).await;
    assert_eq!(status, 403);

    let (status, html) = web
        .upload(&web.csrf, &format!("{HEADER}{good_21}{good_22}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("取り込みました"), "{html}");
    assert_eq!(residents_on_home(&web).await, "22");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_searches_corrects_a_dose_with_a_reason_and_sees_the_history() {
    let mut f = start().await;
    register_dose(&f, 3, 1, "2021-06-01").await;
    let web = Web::sign_in(&f, &f.clerk, 0).await;

    for query in [
        "address_number=A3",
        "ticket_number=0000000003",
        "kana=%E3%83%A4%E3%83%9E%E3%83%80&birth_date=1980-02-17",
    ] {
        let (status, html) = web.get(&format!("/residents?{query}")).await;
        assert_eq!(status, 200, "{query}: {html}");
        assert!(html.contains("href=\"/residents/A3\""), "{query}: {html}");
    }
    // Every resident was born on 1980-02-17 in the fixture: the kana search finds all 20.
    let (_, html) = web
        .get("/residents?kana=%E3%83%A4%E3%83%9E%E3%83%80&birth_date=1980-02-17")
        .await;
    assert_eq!(html.matches("href=\"/residents/A").count(), 20);
    let (_, html) = web
        .get("/residents?kana=%E3%82%B5%E3%83%88%E3%82%A6&birth_date=1980-02-17")
        .await;
    assert!(html.contains("該当する住民はいません"), "{html}");
    let (status, html) = web.get("/residents?ticket_number=12").await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("ticket_number"), "{html}");

    // By My Number: POSTed (never in a URL), masked on the page.
    let n = crate::support::my_number(3 + 131_016 * 1000);
    let (status, html) = web.post("/residents/lookup", &[("my_number", &n)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("href=\"/residents/A3\""), "{html}");
    assert!(!html.contains(&n), "the My Number is shown");
    assert!(html.contains(vrs::domain::MASKED));

    let (status, html) = web.get("/residents/A3").await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains(&n), "the My Number is shown");
    let ids = dose_ids(&html);
    assert_eq!(ids.len(), 1, "{html}");
    let id = &ids[0];

    // A correction needs a reason.
    let correct = format!("/doses/{id}/correct");
    let (status, html) = web
        .post(
            &correct,
            &[("back", "A3"), ("lot", "FA9999"), ("reason", " ")],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("reason"), "{html}");

    let (status, _) = web
        .post(
            &correct,
            &[
                ("back", "A3"),
                ("date", "2021-06-01"),
                ("vaccine", "comirnaty"),
                ("lot", "FA9999"),
                ("venue", "区役所"),
                ("doctor", ""),
                ("reason", "ロット番号の誤記"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = web.get("/residents/A3").await;
    assert!(html.contains("FA9999"), "{html}");
    assert!(
        html.contains("ロット番号の誤記"),
        "the reason is in the history"
    );
    assert!(
        html.contains("FA5765"),
        "the first version is in the history"
    );
    assert!(html.contains("corrected"), "{html}");

    let (status, _) = web
        .post(&format!("/doses/{id}/confirm"), &[("back", "A3")])
        .await;
    assert_eq!(status, 303);
    let (status, _) = web
        .post(
            &format!("/doses/{id}/delete"),
            &[("back", "A3"), ("reason", "重複登録")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = web.get("/residents/A3").await;
    assert!(html.contains("重複登録"), "{html}");
    assert!(html.contains("削除済み"), "{html}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_4_6_a_prefecture_user_on_a_person_page_gets_a_403_page_citing_it() {
    let mut f = start().await;
    let web = Web::sign_in(&f, &f.prefecture, 0).await;
    for path in ["/residents/A1", "/residents?address_number=A1"] {
        let (status, html) = web.get(path).await;
        assert_eq!(status, 403, "{path}: {html}");
        assert!(html.contains("T1-4-6"), "{path}: {html}");
        assert!(!html.contains("山田"), "{path}: {html}");
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_home_shows_the_stops_and_the_alerts_and_no_resident_menu() {
    let mut f = start().await;
    let web = Web::sign_in(&f, &f.operator, 0).await;
    let (status, html) = web.get("/").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("緊急停止"), "{html}");
    assert!(html.contains("アラート"), "{html}");
    assert!(!html.contains("href=\"/residents\""), "{html}");
    let (status, html) = web.get("/residents/A1").await;
    assert_eq!(status, 403, "{html}");
    f.stop().await;
}

/// What an attacker plants in every free-text field that accepts it.
const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(2)>";
const IMG_SHORT: &str = "\"><img src=x>";

/// Asserts `html` shows the planted texts only escaped.
#[track_caller]
fn assert_inert(path: &str, html: &str) {
    for raw in ["<script>alert", "<img src=x", "onerror=alert(2)>"] {
        assert!(!html.contains(raw), "{path}: {raw:?} is live in {html}");
    }
    // Every <script> of the page is an external file of /static/.
    for (i, _) in html.match_indices("<script") {
        assert!(
            html[i..].starts_with("<script src=\"/static/"),
            "{path}: inline script at {i}"
        );
    }
}

/// The pages a clerk sees that show what was planted.
pub(crate) const PLANTED_PAGES: &[&str] = &[
    "/",
    "/residents?address_number=X1",
    "/residents?kana=%E3%83%A4%E3%83%9E%E3%83%80&birth_date=1990-01-01",
    "/residents/X1",
    "/upload",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_shows_planted_markup_inert_in_names_venue_doctor_and_reasons() {
    let mut f = start().await;
    let web = Web::sign_in(&f, &f.clerk, 0).await;
    // The name's two parts: `<script>…` and `"><img …>` (quoted as CSV wants).
    let name = format!("{SCRIPT}\u{3000}{IMG}").replace('"', "\"\"");
    let csv = format!(
        "{HEADER}131016,X1,{},0000000901,\"{name}\",ヤマダ\u{3000}ハナコ,1990-01-01,2\n",
        crate::support::my_number(901_901)
    );
    let (status, html) = web.upload(&web.csrf, &csv).await;
    assert_eq!(status, 200, "{html}");
    register_dose(&f, 901, 1, "2021-06-01").await;
    let (_, html) = web.get("/residents/X1").await;
    let id = dose_ids(&html).pop().expect("a dose");
    let (status, html) = web
        .post(
            &format!("/doses/{id}/correct"),
            &[
                ("back", "X1"),
                // Each as long as the field allows (venue 30, doctor 20 characters).
                ("venue", IMG),
                ("doctor", IMG_SHORT),
                ("reason", &format!("{SCRIPT} {IMG}")),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    // The printed certificate shows the planted name, inert.
    let (status, html) = web.post("/counter", &[("address_number", "X1")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert_inert("/counter (certificate)", &html);
    let (status, html) = web
        .post(
            &format!("/doses/{id}/delete"),
            &[("back", "X1"), ("reason", &format!("{IMG}{SCRIPT}"))],
        )
        .await;
    assert_eq!(status, 303, "{html}");

    let (_, person) = web.get("/residents/X1").await;
    // Shown, escaped, where it was planted.
    assert!(
        person.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{person}"
    );
    assert!(
        person.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "{person}"
    );
    for path in PLANTED_PAGES {
        let (status, html) = web.get(path).await;
        assert!(status < 500, "{path}: {status}");
        assert_inert(path, &html);
    }
    let (_, html) = web.get("/issuances").await;
    assert!(
        html.contains("&lt;script&gt;"),
        "the history shows the name: {html}"
    );
    assert_inert("/issuances", &html);
    let admin = Web::sign_in(&f, &f.admin, 0).await;
    for path in ["/audit", "/consent", "/users"] {
        let (status, html) = admin.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert_inert(path, &html);
    }
    // Bad input echoed on an error page is escaped too.
    let (status, html) = web
        .get(&format!(
            "/residents?ticket_number={}",
            "%3Cscript%3Ealert(1)"
        ))
        .await;
    assert_eq!(status, 400);
    assert_inert("bad ticket", &html);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_downloads_in_cp932_or_utf8_and_leaves_no_file_behind() {
    let mut f = start().await;
    register_dose(&f, 4, 1, "2021-06-01").await;
    let web = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, _) = web.get("/ledger").await;
    assert_eq!(status, 200);
    for (encoding, charset) in [("utf-8", "utf-8"), ("cp932", "Shift_JIS")] {
        let r = web
            .client
            .post(format!("{}/ledger/download", web.base))
            .header(reqwest::header::COOKIE, &web.cookie)
            .form(&[("csrf", web.csrf.as_str()), ("encoding", encoding)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{encoding}");
        assert_eq!(
            r.headers()["content-type"],
            format!("text/csv; charset={charset}").as_str()
        );
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let bytes = r.bytes().await.unwrap();
        let text = match encoding {
            "utf-8" => String::from_utf8(bytes.to_vec()).unwrap(),
            _ => {
                assert!(std::str::from_utf8(&bytes).is_err(), "CP932 is not UTF-8");
                String::new()
            }
        };
        if encoding == "utf-8" {
            assert!(text.contains("FA5765"), "{text}");
            assert_eq!(text.lines().count(), 2, "{text}");
        }
    }
    let left: Vec<_> = std::fs::read_dir(f.data_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("ledger-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_4_the_inquiry_form_asks_for_the_checkbox_when_the_holder_requires_it_and_shows_the_basis(
) {
    let mut f = start().await;
    let web = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, html) = web.get("/inquiry").await;
    assert_eq!(status, 200, "{html}");
    // 011002 has not consented to the addendum: the checkbox is required.
    let (status, html) = web
        .get("/inquiry?holder=011002&purpose=vaccination-ticket")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("name=\"personal_consent\""), "{html}");
    let n = crate::support::my_number(1 + 131_016 * 1000);
    let base = [
        ("holder", "011002"),
        ("purpose", "vaccination-ticket"),
        ("my_number", n.as_str()),
    ];
    let (status, html) = web.post("/inquiry", &base).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("N-4"), "{html}");
    let mut ticked = base.to_vec();
    ticked.push(("personal_consent", "on"));
    let (status, html) = web.post("/inquiry", &ticked).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("T1-3-1-5"),
        "the legal basis is shown: {html}"
    );
    assert!(!html.contains(&n), "the My Number is not shown back");
    f.stop().await;
}
