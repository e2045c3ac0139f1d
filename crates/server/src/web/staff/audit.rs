//! `/audit`: the audit log of the municipality's own area (S-3-3), searched by
//! action, newest events; the rules decide who may (administrators of that
//! municipality) and the search is itself audited.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/audit", get(search))
}

/// How many events one page shows at most.
pub(crate) const PAGE: u32 = 200;

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    action: String,
}

async fn search(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Markup, WebError> {
    let action = q.action.trim().to_owned();
    if action.len() > 64 || !action.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(super::field_error(
            "action",
            "not an action name (a-z and _)",
        ));
    }
    let wanted = (!action.is_empty()).then(|| action.clone());
    let events = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.search_own_audit(
                caller.principal,
                wanted.as_deref(),
                PAGE,
            )?))
        })
        .await?;
    let body = html! {
        form.stack method="get" action="/audit" {
            label for="action" { (label("操作（例: read_resident）", "Action (e.g. read_resident)")) }
            input id="action" name="action" type="text" maxlength="64" value=(action);
            button type="submit" { (label("検索", "Search")) }
        }
        p { (label("件数", "Events")) ": " (events.len()) }
        table {
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (label("日時", "At")) }
                th scope="col" { (label("主体", "Principal")) }
                th scope="col" { (label("操作者", "Actor")) }
                th scope="col" { (label("操作", "Action")) }
                th scope="col" { (label("結果", "Outcome")) }
                th scope="col" { (label("根拠", "Grounds")) }
                th scope="col" { (label("詳細", "Detail")) }
            } }
            tbody {
                @for e in events.iter().rev() {
                    tr {
                        td.num { (e.seq) } td { (e.at) } td { (e.principal) }
                        td { @if let Some(a) = &e.actor { (a) } }
                        td { (e.action) } td { (e.outcome) } td { (e.grounds.join(", ")) }
                        td { code { (e.detail.to_string()) } }
                    }
                }
            }
        }
    };
    Ok(page("監査ログ", "Audit log", Some(&staff), body))
}
