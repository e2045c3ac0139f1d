//! The vaccination-site tablet screen (`/tablet`): type or scan a ticket's OCR
//! line, pick the vaccine, lot, date and venue, and register the dose through
//! `POST /api/v1/doses` with the tablet's device token (`site:CODE`, T1-9-2).
//!
//! The page itself shows no personal data and needs no session: it is the same
//! for every tablet. Its script (`/static/tablet.js`) keeps the device token the
//! site's administrator paired the tablet with in `localStorage` and sends it as
//! `Authorization: Bearer`; it checks the OCR line's check digit as it is typed
//! (mirroring `vrs_domain::OcrLine`) and shows back only what the line itself
//! says: the municipality's name from its code and the ticket number (a site
//! registers but never reads residents or doses, T1-4-3, T1-5-1). Without a
//! connection entries queue on the tablet and are sent when the service answers
//! again, each once (a repeat would be answered `existing` anyway); the day's list
//! of what was sent and what the service answered stays on the tablet. A service
//! worker (`/tablet-sw.js`, scope `/tablet`) keeps the screen itself, so a tablet
//! can open it without a connection.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use vrs::domain::{all_local_govs, LocalGovKind, VaccineProduct};

use super::layout::{label, page, script};
use crate::AppState;

/// The tablet's script.
pub const TABLET_JS: &str = include_str!("../../static/tablet.js");
/// The tablet's service worker: keeps the screen for opening without a connection.
pub const TABLET_SW_JS: &str = include_str!("../../static/tablet-sw.js");

/// The tablet routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/tablet", get(screen))
        .route("/tablet/municipalities.json", get(municipalities))
        .route("/static/tablet.js", get(tablet_js))
        .route("/tablet-sw.js", get(tablet_sw_js))
}

/// The tablet screen.
pub async fn screen() -> Markup {
    page("接種記録の登録", "Dose registration (tablet)", None, body())
}

fn body() -> Markup {
    html! {
        noscript { p.error { "この画面にはJavaScriptが必要です。 / This screen needs JavaScript." } }
        section #pair hidden {
            h2 { (label("端末の登録", "Pair this tablet")) }
            p { "自治体の管理者から受け取った端末トークンを入力してください。トークンはこの端末にのみ保存されます。"
                span.en lang="en" { " Enter the device token your municipality's administrator gave you; it is kept on this tablet only." } }
            form #pair-form .stack {
                label for="token" { (label("端末トークン", "Device token")) }
                input #token type="password" autocomplete="off" maxlength="256" required;
                button type="submit" { (label("登録", "Pair")) }
            }
        }
        section #entry hidden {
            form #dose-form .stack novalidate {
                label for="ocr" { (label("接種券のOCR行（18桁）", "Ticket OCR line (18 digits)")) }
                input #ocr inputmode="numeric" autocomplete="off" maxlength="18"
                    aria-describedby="ocr-status" required;
                p #ocr-status aria-live="polite" {}
                dl #ticket {
                    dt { (label("市区町村", "Municipality")) }
                    dd #ticket-municipality { "—" }
                    dt { (label("接種券番号", "Ticket number")) }
                    dd #ticket-number { "—" }
                }
                label for="vaccine" { (label("ワクチン", "Vaccine")) }
                select #vaccine required {
                    @for v in VaccineProduct::all() {
                        option value=(v.id()) { (v.brand_ja()) " (" (v.brand()) ", " (v.maker_ja()) ")" }
                    }
                }
                label for="lot" { (label("ロット番号", "Lot")) }
                input #lot autocomplete="off" maxlength="20" required;
                label for="date" { (label("接種日", "Date")) }
                input #date type="date" required;
                label for="venue" { (label("接種会場", "Venue")) }
                input #venue autocomplete="off" maxlength="30";
                button #register type="submit" { (label("登録", "Register")) }
            }
            p #form-status aria-live="polite" {}
            h2 { (label("本日の登録", "Today's registrations")) }
            p #queue-status aria-live="polite" {}
            table #log {
                thead { tr {
                    th scope="col" { (label("時刻", "Time")) }
                    th scope="col" { (label("接種券", "Ticket")) }
                    th scope="col" { (label("ワクチン・ロット・会場", "Vaccine, lot, venue")) }
                    th scope="col" { (label("接種日", "Date")) }
                    th scope="col" { (label("状態", "State")) }
                    th scope="col" { (label("応答", "Answer")) }
                } }
                tbody #log-rows {}
            }
            button #unpair .danger type="button" { (label("端末の登録を解除", "Unpair this tablet")) }
        }
        (script("/static/tablet.js"))
    }
}

/// Every municipality's six-digit code and name (`{"131016":"東京都千代田区"}`),
/// public reference data the tablet keeps to show the name an OCR line's code
/// stands for without a connection.
pub async fn municipalities() -> impl IntoResponse {
    let map: std::collections::BTreeMap<&str, String> = all_local_govs()
        .filter(|g| g.kind == LocalGovKind::Municipality)
        .map(|g| (g.code, format!("{}{}", g.parent, g.name)))
        .collect();
    (
        [(header::CACHE_CONTROL, "public, max-age=86400")],
        axum::Json(map),
    )
}

async fn tablet_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        TABLET_JS,
    )
}

async fn tablet_sw_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        TABLET_SW_JS,
    )
}
