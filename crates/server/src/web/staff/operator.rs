//! `/operator`: the operator's screen (T1-10, T1-4-2, T1-9-1, S-3-3): emergency
//! stop and resume per function with a reason, issuer key rotation, one-time
//! enrolment codes for a municipality's first administrator, and the intrusion
//! alerts. Every action is decided by the rules (only the operator's admins).

use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::consent::Function;
use vrs::MunicipalityCode;

use super::{parse, text};
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/operator", get(show))
        .route("/operator/stop", post(stop))
        .route("/operator/resume", post(resume))
        .route("/operator/rotate-key", post(rotate_key))
        .route("/operator/enrolment", post(enrolment))
}

fn function_select(id: &str) -> Markup {
    html! {
        select id=(id) name="function" {
            @for f in Function::ALL { option value=(f.as_str()) { (f.as_str()) } }
        }
    }
}

async fn show(State(state): State<AppState>, staff: Staff) -> Result<Markup, WebError> {
    let (stops, alerts) = staff
        .run(&state, |vrs, caller| {
            let stops = vrs.emergency_status()?;
            Ok(
                done(vrs.alerts(caller.principal, vrs::AlertOptions::default())?)
                    .map(|a| (stops, a)),
            )
        })
        .await?;
    let csrf = &staff.csrf;
    let body = html! {
        section aria-labelledby="stop-h" {
            h2 id="stop-h" { (label("緊急停止", "Emergency stop")) }
            @if stops.is_empty() {
                p { (label("停止中の機能はありません", "No function is stopped")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (label("機能", "Function")) }
                        th scope="col" { (label("理由", "Reason")) }
                        th scope="col" { (label("停止日時", "Since")) }
                        th scope="col" { (label("操作", "Action")) }
                    } }
                    tbody {
                        @for s in &stops {
                            tr {
                                td { (s.function.as_str()) } td { (s.reason) } td { (s.stopped_at) }
                                td {
                                    form method="post" action="/operator/resume" {
                                        input type="hidden" name="csrf" value=(csrf);
                                        input type="hidden" name="function" value=(s.function.as_str());
                                        button type="submit" { (label("再開", "Resume")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.stack method="post" action="/operator/stop" {
                input type="hidden" name="csrf" value=(csrf);
                label for="stop-function" { (label("停止する機能", "Function to stop")) }
                (function_select("stop-function"))
                label for="stop-reason" { (label("理由（必須）", "Reason (required)")) }
                input id="stop-reason" name="reason" type="text" required maxlength="500";
                button.danger type="submit" { (label("緊急停止", "Stop")) }
            }
        }
        section aria-labelledby="key-h" {
            h2 id="key-h" { (label("署名鍵の更新", "Issuer key rotation")) }
            form.stack method="post" action="/operator/rotate-key" {
                input type="hidden" name="csrf" value=(csrf);
                label for="key-m" { (label("自治体コード（6桁）", "Municipality code (6 digits)")) }
                input id="key-m" name="municipality" type="text" inputmode="numeric" required maxlength="6";
                button type="submit" { (label("鍵を更新", "Rotate the key")) }
            }
        }
        section aria-labelledby="enrol-h" {
            h2 id="enrol-h" { (label("登録コードの発行", "Enrolment codes")) }
            form.stack method="post" action="/operator/enrolment" {
                input type="hidden" name="csrf" value=(csrf);
                label for="enrol-m" { (label("自治体コード（6桁）", "Municipality code (6 digits)")) }
                input id="enrol-m" name="municipality" type="text" inputmode="numeric" required maxlength="6";
                button type="submit" { (label("発行", "Issue")) }
            }
        }
        section aria-labelledby="alerts-h" {
            h2 id="alerts-h" { (label("アラート", "Alerts")) }
            (super::home::alerts_table(&alerts))
        }
    };
    Ok(page("運用", "Operator", Some(&staff), body))
}

#[derive(Deserialize)]
struct StopForm {
    function: String,
    #[serde(default)]
    reason: String,
}

async fn stop(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<StopForm>,
) -> Result<Redirect, WebError> {
    let function: Function = parse("function", &f.function)?;
    let reason = text("reason", &f.reason)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.emergency_stop(caller.principal, function, &reason)?).map(|_| ()))
        })
        .await?;
    Ok(Redirect::to("/operator"))
}

async fn resume(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<StopForm>,
) -> Result<Redirect, WebError> {
    let function: Function = parse("function", &f.function)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.emergency_resume(caller.principal, function)?).map(|_| ()))
        })
        .await?;
    Ok(Redirect::to("/operator"))
}

#[derive(Deserialize)]
struct MunicipalityForm {
    municipality: String,
}

async fn rotate_key(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<MunicipalityForm>,
) -> Result<Markup, WebError> {
    let m: MunicipalityCode = parse("municipality", &f.municipality)?;
    let jwks = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.rotate_key(caller.principal, m)?))
        })
        .await?;
    let kids: Vec<String> = serde_json::to_value(&jwks)
        .ok()
        .and_then(|v| {
            v["keys"].as_array().map(|keys| {
                keys.iter()
                    .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default();
    Ok(page(
        "署名鍵を更新しました",
        "Key rotated",
        Some(&staff),
        html! {
            div.ok role="status" { p { (m) ": " (label("公開鍵一覧", "published keys")) } ul { @for k in &kids { li { code { (k) } } } } }
            p { a href="/operator" { (label("運用へ戻る", "Back to the operator screen")) } }
        },
    ))
}

async fn enrolment(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<MunicipalityForm>,
) -> Result<Markup, WebError> {
    let m: MunicipalityCode = parse("municipality", &f.municipality)?;
    let code = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.issue_enrolment(caller.principal, m)?))
        })
        .await?;
    Ok(page(
        "登録コードを発行しました",
        "Enrolment code issued",
        Some(&staff),
        html! {
            div.ok role="status" {
                p { (label("一度だけ表示します。", "Shown once.")) }
                p { (code.municipality) ": " code { (code.code) } }
                p { (label("有効期限", "Expires")) ": " (code.expires_at.to_rfc3339()) }
            }
            p { a href="/operator" { (label("運用へ戻る", "Back to the operator screen")) } }
        },
    ))
}
