//! Statistics screens: the State's and prefectures' dashboard (`/stats`, signed
//! in) and the public page (`/stats/public`, no sign-in) with the national and
//! per-prefecture daily totals. Charts are server-rendered SVG (no script); every
//! table is downloadable as CSV and JSON. Which cells are suppressed is decided by
//! vrs-consent (`suppress_release`, `suppress_public_daily`) through the facade;
//! this module only draws what it is given.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use maud::{html, Markup};
use vrs::consent::{KeyRow, ReleaseTables};
use vrs::domain::PrefectureCode;
use vrs::{Dashboard, PublicPage, TableFile};

use super::auth::{done, Staff};
use super::error::WebError;
use super::layout::{label, page};
use crate::AppState;

/// The statistics routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/stats", get(dashboard))
        .route("/stats/download/{file}", get(dashboard_file))
        .route("/stats/public", get(public))
        .route("/stats/public/download/{file}", get(public_file))
}

/// How long the public page is served from memory: every computation is an
/// audited read of the statistics, and the page is the same for everyone.
const PUBLIC_TTL: Duration = Duration::from_secs(60);

/// Today in Japan (UTC+9, no DST): the day statistics are counted up to.
fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

type PublicCache = Mutex<HashMap<PathBuf, (Instant, Arc<PublicPage>)>>;

/// The public page of the service's data directory, computed at most once a minute.
async fn public_page(state: &AppState) -> Result<Arc<PublicPage>, WebError> {
    static CACHE: OnceLock<PublicCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = state.settings.data_dir.clone();
    if let Some((at, p)) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        if at.elapsed() < PUBLIC_TTL {
            return Ok(p);
        }
    }
    let date = today();
    let answer = state
        .vrs
        .run(move |vrs| {
            vrs.clear_caller()?;
            vrs.public_daily(date)
        })
        .await
        .map_err(|e| match e {
            vrs::SharedError::Vrs(e) => WebError::from(e),
            other => WebError::from(other),
        })?;
    let page = Arc::new(done(answer)?);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, (Instant::now(), page.clone()));
    }
    Ok(page)
}

fn prefecture_name(code: &str) -> String {
    code.parse::<PrefectureCode>()
        .map_or_else(|_| code.to_owned(), |p| p.info().name.to_owned())
}

fn municipality_name(code: &str) -> String {
    code.parse::<vrs::MunicipalityCode>().map_or_else(
        |_| code.to_owned(),
        |m| format!("{} ({code})", m.info().name),
    )
}

fn count(c: Option<u64>) -> Markup {
    match c {
        Some(n) => html! { (group_digits(n)) },
        None => {
            html! { abbr.suppressed title="秘匿（少数のため非公表） / suppressed (small count)" { "秘匿 " span.en lang="en" { "suppressed" } } }
        }
    }
}

fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A bar chart as SVG: one bar per (label, count); a suppressed count is drawn as
/// a short grey mark labelled 秘匿, never as a height someone could measure.
fn bar_chart(id: &str, title: &str, bars: &[(String, Option<u64>)]) -> Markup {
    let max = bars
        .iter()
        .filter_map(|(_, c)| *c)
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, left, bottom) = (720u64, 240u64, 60u64, 50u64);
    let n = bars.len().max(1) as u64;
    let slot = (w - left) / n;
    let bar = (slot * 7 / 10).max(1);
    let plot = h - bottom - 10;
    let title_id = format!("{id}-title");
    html! {
        figure.chart {
            svg #(id) role="img" aria-labelledby=(title_id) viewBox=(format!("0 0 {w} {h}"))
                width="100%" xmlns="http://www.w3.org/2000/svg" {
                title #(title_id) { (title) }
                line x1=(left) y1=(h - bottom) x2=(w) y2=(h - bottom) stroke="#767676" {}
                text x="4" y="14" font-size="11" fill="#1a1a1a" { (group_digits(max)) }
                @for (i, (name, c)) in bars.iter().enumerate() {
                    @let x = left + i as u64 * slot + (slot - bar) / 2;
                    @match c {
                        Some(v) => {
                            @let bh = (v * plot) / max;
                            rect x=(x) y=(h - bottom - bh) width=(bar) height=(bh) fill="#0b4f8a" {
                                title { (name) ": " (group_digits(*v)) }
                            }
                        }
                        None => {
                            rect x=(x) y=(h - bottom - 6) width=(bar) height="6" fill="#b0b0b0" {
                                title { (name) ": 秘匿 suppressed" }
                            }
                        }
                    }
                    @if n <= 24 || i as u64 % (n / 12 + 1) == 0 {
                        text x=(x) y=(h - bottom + 14) font-size="10" fill="#1a1a1a" { (name) }
                    }
                }
            }
            figcaption { (title) }
        }
    }
}

fn downloads(prefix: &str, name: &str) -> Markup {
    html! {
        p.downloads {
            a href=(format!("{prefix}/{name}.csv")) download { "CSV" }
            " · "
            a href=(format!("{prefix}/{name}.json")) download { "JSON" }
        }
    }
}

fn key_table(
    caption: Markup,
    column: Markup,
    rows: &[KeyRow],
    name: impl Fn(&str) -> String,
) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { (column) }
                th scope="col" { (label("回数", "Dose")) }
                th scope="col" { (label("接種数", "Doses")) }
                th scope="col" { (label("接種率", "Coverage")) }
            } }
            tbody {
                @for r in rows {
                    tr {
                        th scope="row" { (name(&r.key)) }
                        td.num { (r.dose_number) }
                        td.num { (count(r.count)) }
                        td.num { @if let Some(p) = r.coverage_percent { (format!("{p:.2}%")) } @else { "—" } }
                    }
                }
            }
        }
    }
}

/// Sums a key table over dose numbers for a chart; a key with a suppressed cell
/// is drawn suppressed.
fn per_key(rows: &[KeyRow], name: impl Fn(&str) -> String) -> Vec<(String, Option<u64>)> {
    let mut sums: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    for r in rows {
        let e = sums.entry(r.key.as_str()).or_insert(Some(0));
        *e = match (*e, r.count) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
    sums.into_iter().map(|(k, v)| (name(k), v)).collect()
}

fn dashboard_body(d: &Dashboard, scope: &str) -> Markup {
    let t: &ReleaseTables = &d.tables;
    let mut per_day: BTreeMap<NaiveDate, Option<u64>> = BTreeMap::new();
    for r in &t.by_day {
        let e = per_day.entry(r.date).or_insert(Some(0));
        *e = match (*e, r.count) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
    let days: Vec<(String, Option<u64>)> = per_day
        .iter()
        .map(|(d, c)| (d.format("%m-%d").to_string(), *c))
        .collect();
    let by_dose: Vec<(String, Option<u64>)> = t
        .by_dose
        .iter()
        .map(|r| (format!("{}回目", r.dose_number), r.count))
        .collect();
    html! {
        p.notice {
            (scope) " · " (d.date) "までの集計 / counted up to " (d.date)
            @if let Some(m) = d.min_cell_size {
                " · " (m) "未満の小さな数は秘匿（他の表との差し引きで分からないよう一緒に秘匿） / counts below "
                (m) " are suppressed, together across every table so none can be derived by subtraction"
            }
        }
        section {
            h2 { (label("日別接種数", "Doses per day")) }
            (bar_chart("chart-day", "日別接種数 / Doses per day", &days))
            table #table-by-day {
                caption { (label("日別・回数別", "Per day and dose number")) }
                thead { tr {
                    th scope="col" { (label("接種日", "Date")) }
                    th scope="col" { (label("回数", "Dose")) }
                    th scope="col" { (label("接種数", "Doses")) }
                    th scope="col" { (label("累計", "Cumulative")) }
                } }
                tbody {
                    @for r in &t.by_day {
                        tr {
                            th scope="row" { (r.date) }
                            td.num { (r.dose_number) }
                            td.num { (count(r.count)) }
                            td.num { (count(r.cumulative)) }
                        }
                    }
                }
            }
            (downloads("/stats/download", "by_day"))
        }
        section {
            h2 { (label("回数別", "By dose number")) }
            (bar_chart("chart-dose", "回数別接種数 / Doses by dose number", &by_dose))
            (key_table(label("回数別", "By dose number"), label("範囲", "Scope"), &t.by_dose, |k| k.to_owned()))
            (downloads("/stats/download", "by_dose"))
        }
        section {
            h2 { (label("年齢階級別", "By age band")) }
            (bar_chart("chart-age", "年齢階級別接種数 / Doses by age band", &per_key(&t.by_age_band, |k| k.to_owned())))
            (key_table(label("年齢階級別", "By age band"), label("年齢階級", "Age band"), &t.by_age_band, |k| k.to_owned()))
            (downloads("/stats/download", "by_age_band"))
        }
        @if !d.by_municipality.is_empty() {
            section {
                h2 { (label("市区町村別", "By municipality")) }
                (bar_chart("chart-municipality", "市区町村別接種数 / Doses by municipality", &per_key(&d.by_municipality, municipality_name)))
                div #table-by-municipality {
                    (key_table(label("市区町村別・回数別", "By municipality and dose number"), label("市区町村", "Municipality"), &d.by_municipality, municipality_name))
                }
                (downloads("/stats/download", "by_municipality"))
            }
        }
        section {
            h2 { (label("都道府県別", "By prefecture")) }
            (bar_chart("chart-prefecture", "都道府県別接種数 / Doses by prefecture", &per_key(&t.by_prefecture, prefecture_name)))
            (key_table(label("都道府県別", "By prefecture"), label("都道府県", "Prefecture"), &t.by_prefecture, prefecture_name))
            (downloads("/stats/download", "by_prefecture"))
        }
    }
}

/// The State's or a prefecture's dashboard (signed in; the facade decides).
pub async fn dashboard(State(state): State<AppState>, staff: Staff) -> Result<Markup, WebError> {
    let date = today();
    let d = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.dashboard(caller.principal, date)?))
        })
        .await?;
    let scope = staff.caller.principal.to_string();
    Ok(page(
        "接種状況ダッシュボード",
        "Vaccination dashboard",
        Some(&staff),
        dashboard_body(&d, &scope),
    ))
}

/// `by_day.csv`, `by_dose.json`, ...: one table of the caller's dashboard.
pub async fn dashboard_file(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let date = today();
    let d = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.dashboard(caller.principal, date)?))
        })
        .await?;
    file_response(&d.files, &file)
}

fn file_response(files: &[TableFile], file: &str) -> Result<Response, WebError> {
    let not_found = || WebError::NotFound(format!("no table {file}"));
    let (stem, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let table = files
        .iter()
        .find(|f| f.name == stem)
        .ok_or_else(not_found)?;
    let (mime, body) = match ext {
        "csv" => ("text/csv; charset=utf-8", table.csv.clone()),
        "json" => ("application/json", table.json.clone()),
        _ => return Err(not_found()),
    };
    let disposition = format!("attachment; filename=\"{stem}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn public_body(p: &PublicPage) -> Markup {
    let days: Vec<(String, Option<u64>)> = p
        .daily
        .national
        .iter()
        .map(|d| (d.date.format("%m-%d").to_string(), d.count))
        .collect();
    let dates: Vec<NaiveDate> = p.daily.national.iter().map(|d| d.date).collect();
    let mut grid: BTreeMap<&str, BTreeMap<NaiveDate, Option<u64>>> = BTreeMap::new();
    for c in &p.daily.prefectures {
        grid.entry(c.prefecture.as_str())
            .or_default()
            .insert(c.date, c.count);
    }
    html! {
        p.notice {
            "新型コロナワクチンの接種実績（" (p.date) "まで）。 / COVID-19 vaccinations up to " (p.date) "."
            @if let Some(m) = p.min_cell_size {
                " " (m) "未満の数は秘匿し、全国計との差し引きで分からないよう二つの表を一緒に秘匿しています。 / Counts below "
                (m) " are suppressed, both tables together, so none can be derived from the national totals."
            }
        }
        section {
            h2 { (label("全国の日別接種回数", "National doses per day")) }
            (bar_chart("chart-national", "全国の日別接種回数 / National doses per day", &days))
            table #national-daily {
                thead { tr {
                    th scope="col" { (label("接種日", "Date")) }
                    th scope="col" { (label("接種回数", "Doses")) }
                } }
                tbody {
                    @for d in &p.daily.national {
                        tr { th scope="row" { (d.date) } td.num { (count(d.count)) } }
                    }
                }
            }
            (downloads("/stats/public/download", "national_daily"))
        }
        section {
            h2 { (label("都道府県別の日別接種回数", "Doses per day by prefecture")) }
            table #prefecture-daily {
                thead { tr {
                    th scope="col" { (label("都道府県", "Prefecture")) }
                    @for d in &dates { th scope="col" { (d.format("%m-%d")) } }
                } }
                tbody {
                    @for (pref, row) in &grid {
                        tr {
                            th scope="row" { (prefecture_name(pref)) }
                            @for d in &dates {
                                td.num { @match row.get(d) { Some(c) => (count(*c)), None => "0" } }
                            }
                        }
                    }
                }
            }
            (downloads("/stats/public/download", "prefecture_daily"))
        }
    }
}

/// The public page (no sign-in).
pub async fn public(State(state): State<AppState>) -> Result<Markup, WebError> {
    let p = public_page(&state).await?;
    Ok(page(
        "ワクチン接種状況",
        "Vaccination statistics (public)",
        None,
        public_body(&p),
    ))
}

/// `national_daily.csv`, `prefecture_daily.json`, ... of the public page.
pub async fn public_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let p = public_page(&state).await?;
    file_response(&p.files, &file)
}
