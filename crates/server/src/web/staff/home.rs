//! `GET /`: the home screen. For a municipality: its consent state, residents,
//! doses by dose number, the review queue and the functions under an emergency
//! stop; for the operator, the stops and the intrusion alerts.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use vrs::domain::Role;
use vrs::{Answer, Principal, StatQuery};

use crate::web::auth::Staff;
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// How many flagged doses the home screen lists (the count is always whole).
const REVIEW_SHOWN: usize = 20;

async fn home(State(state): State<AppState>, staff: Staff) -> Result<Markup, WebError> {
    let body = match staff.caller.principal {
        Principal::Municipality(m) => {
            let clerk = staff.caller.role != Some(Role::Viewer);
            staff
                .run(&state, move |vrs, caller| {
                    let consent = vrs.consent_view(m)?;
                    let stops = vrs.emergency_status()?;
                    let residents = match vrs.count_residents(caller.principal, None)? {
                        Answer::Done(n) => Some(n),
                        Answer::Refused(_) => None,
                    };
                    let query = StatQuery {
                        by: vec![vrs::StatKey::Dose],
                        ..StatQuery::default()
                    };
                    let by_dose = match vrs.dose_statistics(caller.principal, &query)? {
                        Answer::Done(s) => s.rows,
                        Answer::Refused(_) => Vec::new(),
                    };
                    let review = if clerk {
                        match vrs.review_head(caller.principal, REVIEW_SHOWN)? {
                            Answer::Done(r) => Some(r),
                            Answer::Refused(_) => None,
                        }
                    } else {
                        None
                    };
                    Ok(Ok(html! {
                        section aria-labelledby="consent-h" {
                            h2 id="consent-h" { (label("同意状況", "Consent")) }
                            p {
                                (consent.name) " (" (m) ") — "
                                @if consent.may_use_vrs {
                                    strong { (label("VRSを利用できます", "may use VRS")) }
                                } @else {
                                    strong { (label("利用規約に未同意", "no consent to the terms")) }
                                }
                            }
                            ul {
                                @for d in &consent.documents {
                                    li {
                                        (d.title) ": "
                                        @if d.granted { (label("同意済み", "granted")) }
                                        @else { (label("未同意", "not granted")) }
                                    }
                                }
                            }
                        }
                        section aria-labelledby="res-h" {
                            h2 id="res-h" { (label("住民数", "Residents")) }
                            p.num { @if let Some(n) = residents { (n) } @else { "—" } }
                        }
                        section aria-labelledby="dose-h" {
                            h2 id="dose-h" { (label("接種回数別", "Doses by dose number")) }
                            table {
                                thead { tr { th scope="col" { (label("回数", "Dose")) } th scope="col" { (label("件数", "Count")) } } }
                                tbody {
                                    @for c in &by_dose {
                                        tr {
                                            td { @for (_, v) in &c.keys { (v) } }
                                            td.num { @if let Some(n) = c.count { (n) } @else { "*" } }
                                        }
                                    }
                                }
                            }
                        }
                        @if let Some(review) = &review {
                            section aria-labelledby="review-h" {
                                h2 id="review-h" { (label("確認待ち", "Review queue")) " (" (review.0) ")" }
                                ul {
                                    @for item in &review.1 {
                                        li {
                                            (item.dose.id.to_string()) ": "
                                            (item.reasons.join(", "))
                                        }
                                    }
                                }
                            }
                        }
                        (stops_section(&stops))
                    }))
                })
                .await?
        }
        Principal::Operator => {
            staff
                .run(&state, move |vrs, caller| {
                    let stops = vrs.emergency_status()?;
                    let alerts = vrs.alerts(caller.principal, vrs::AlertOptions::default())?;
                    Ok(Ok(html! {
                        (stops_section(&stops))
                        section aria-labelledby="alerts-h" {
                            h2 id="alerts-h" { (label("アラート", "Alerts")) }
                            @if let Answer::Done(a) = &alerts {
                                (crate::web::staff::home::alerts_table(a))
                            }
                        }
                    }))
                })
                .await?
        }
        _ => html! {
            p { (label("統計画面をご利用ください。", "Use the statistics screens.")) }
        },
    };
    Ok(page("ホーム", "Home", Some(&staff), body))
}

/// The intrusion alerts as a table.
pub(crate) fn alerts_table(a: &vrs::Alerts) -> Markup {
    html! {
        @if a.alerts.is_empty() {
            p { (label("アラートはありません", "No alerts")) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (label("種類", "Kind")) }
                    th scope="col" { (label("対象", "Key")) }
                    th scope="col" { (label("件数", "Count")) }
                    th scope="col" { (label("最初", "First")) }
                    th scope="col" { (label("最後", "Last")) }
                } }
                tbody {
                    @for x in &a.alerts {
                        tr {
                            td { (format!("{:?}", x.kind)) }
                            td { (x.key) }
                            td.num { (x.count) }
                            td { (x.first.to_rfc3339()) }
                            td { (x.last.to_rfc3339()) }
                        }
                    }
                }
            }
        }
    }
}

fn stops_section(stops: &[vrs::StopRecord]) -> Markup {
    html! {
        section aria-labelledby="stops-h" {
            h2 id="stops-h" { (label("緊急停止", "Emergency stops")) }
            @if stops.is_empty() {
                p { (label("停止中の機能はありません", "No function is stopped")) }
            } @else {
                ul.error {
                    @for s in stops {
                        li { (s.function.as_str()) " — " (s.reason) " (" (s.stopped_at) ")" }
                    }
                }
            }
        }
    }
}
