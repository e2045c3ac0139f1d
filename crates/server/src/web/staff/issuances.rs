//! `/issuances`: the municipality's issuance history (P11-2-1): for each
//! certificate only what P11-2-3 lets VRS keep of the person (name, birth date;
//! nationality and passport number for overseas ones), its origin (the app or
//! the counter) and its revocation. Read for certificate issuance (T1-9-3).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};

use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/issuances", get(list))
}

/// How many rows the page shows (the newest); the page stays small.
pub(crate) const SHOWN: usize = 200;

async fn list(State(state): State<AppState>, staff: Staff) -> Result<Markup, WebError> {
    let rows = staff
        .run(&state, |vrs, caller| {
            Ok(done(vrs.issuance_history(caller.principal)?))
        })
        .await?;
    let body = html! {
        p { (label("件数", "Certificates")) ": " (rows.len())
            @if rows.len() > SHOWN { " (" (label("新しい順に表示", "newest shown")) " " (SHOWN) ")" } }
        table {
            thead { tr {
                th scope="col" { (label("発行日時", "Issued at")) }
                th scope="col" { (label("発行方法", "Origin")) }
                th scope="col" { (label("種類", "Kind")) }
                th scope="col" { (label("氏名", "Name")) }
                th scope="col" { (label("生年月日", "Birth date")) }
                th scope="col" { (label("国籍", "Nationality")) }
                th scope="col" { (label("旅券番号", "Passport")) }
                th scope="col" { (label("失効", "Revoked")) }
            } }
            tbody {
                @for r in rows.iter().take(SHOWN) {
                    tr {
                        td { (r.issued_at) }
                        td { @if r.origin == "counter" { (label("窓口", "counter")) } @else { (label("アプリ", "app")) } }
                        td { (r.kind) }
                        td { (r.name) }
                        td { (r.birth_date) }
                        td { @if let Some(n) = &r.nationality { (n) } }
                        td { @if let Some(p) = &r.passport_number { (p) } }
                        td { @if let Some(at) = &r.revoked_at { (at) " " @if let Some(why) = &r.revoked_reason { (why) } } }
                    }
                }
            }
        }
    };
    Ok(page("発行履歴", "Issuance history", Some(&staff), body))
}
