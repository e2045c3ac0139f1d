//! `/consent`: the consent function (N-2, T2-2-2). Each document with its text,
//! its pinned SHA-256 (and whether the text served matches it), what consenting
//! implies, the municipality's state and history; administrators grant and
//! revoke (the rules decide who may: T1-9-1, T2-2-2).

use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::consent::DocumentId;
use vrs::domain::Role;
use vrs::Principal;

use super::{date, parse};
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/consent", get(show))
        .route("/consent/grant", post(grant))
        .route("/consent/revoke", post(revoke))
}

/// The vendored text of a document (`fixtures/law/consent-documents/<id>.txt`).
fn text_of(d: DocumentId) -> &'static str {
    match d {
        DocumentId::Terms202103 => {
            include_str!("../../../../../fixtures/law/consent-documents/terms-2021-03.txt")
        }
        DocumentId::Terms20211203 => {
            include_str!("../../../../../fixtures/law/consent-documents/terms-2021-12-03.txt")
        }
        DocumentId::Addendum20211203 => {
            include_str!("../../../../../fixtures/law/consent-documents/addendum-2021-12-03.txt")
        }
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref())
}

async fn show(State(state): State<AppState>, staff: Staff) -> Result<Markup, WebError> {
    let m = match staff.caller.principal {
        Principal::Municipality(m) => m,
        other => {
            return Err(WebError::NotForYou(format!(
                "この画面は市区町村の職員用です / This screen is for municipal staff ({other})"
            )))
        }
    };
    let admin = staff.caller.role == Some(Role::Admin);
    let view = staff
        .run(&state, move |vrs, _| Ok(Ok(vrs.consent_view(m)?)))
        .await?;
    let body = html! {
        p { (view.name) " (" (m) ") — "
            @if view.may_use_vrs { (label("VRSを利用できます", "may use VRS")) }
            @else { (label("VRSを利用できません", "may not use VRS")) } }
        @for d in &view.documents {
            @let text = text_of(d.document);
            @let served = sha256_hex(text);
            section.document aria-label=(d.document.as_str()) {
                h2 { (d.title) " " span.en lang="en" { (d.document.as_str()) } }
                table { tbody {
                    tr { th scope="row" { (label("状態", "State")) }
                         td { @if d.granted { (label("同意済み", "granted")) @if let Some(at) = d.at { " " (at) } }
                              @else { (label("未同意", "not granted")) } } }
                    tr { th scope="row" { (label("決裁", "Approved by")) } td { @if let Some(a) = &d.approved_by { (a) } } }
                    tr { th scope="row" { (label("固定ハッシュ (SHA-256)", "Pinned hash (SHA-256)")) } td { code { (d.sha256) } } }
                    tr { th scope="row" { (label("表示中の本文のハッシュ", "Hash of the text shown")) }
                         td { code { (served) } " "
                              @if served == d.sha256 { (label("一致", "matches")) } @else { strong { (label("不一致", "DIFFERS")) } } } }
                } }
                @if !d.implies.is_empty() {
                    h3 { (label("同意により同意したものとみなされる事項", "Consenting implies")) }
                    ul { @for i in &d.implies { li { (i.provision.as_str()) " (" (i.because.as_str()) "): " (i.meaning) } } }
                }
                details {
                    summary { (label("本文を表示", "Show the text")) }
                    pre.document lang="ja" { (text) }
                }
                @if admin {
                    @if d.granted {
                        form.stack method="post" action="/consent/revoke" {
                            input type="hidden" name="csrf" value=(staff.csrf);
                            input type="hidden" name="document" value=(d.document.as_str());
                            button.danger type="submit" { (label("同意を取り消す", "Revoke consent")) }
                        }
                    } @else {
                        form.stack method="post" action="/consent/grant" {
                            input type="hidden" name="csrf" value=(staff.csrf);
                            input type="hidden" name="document" value=(d.document.as_str());
                            label for={ "at-" (d.document.as_str()) } { (label("効力発生日（省略時は本日）", "Effective from (default today)")) }
                            input id={ "at-" (d.document.as_str()) } name="at" type="date";
                            label for={ "approved-" (d.document.as_str()) } { (label("決裁（必須）", "Internal approval (required)")) }
                            input id={ "approved-" (d.document.as_str()) } name="approved_by" type="text" required maxlength="200";
                            button type="submit" { (label("同意する", "Consent")) }
                        }
                    }
                }
            }
        }
        h2 { (label("履歴", "History")) }
        table {
            thead { tr {
                th scope="col" { (label("記録日時", "Recorded at")) }
                th scope="col" { (label("変更", "Change")) }
                th scope="col" { (label("文書", "Document")) }
                th scope="col" { (label("効力発生日", "Effective from")) }
                th scope="col" { (label("決裁", "Approved by")) }
            } }
            tbody {
                @for c in &view.history {
                    tr {
                        td { (c.recorded_at) } td { (c.change) } td { (c.document) }
                        td { @if let Some(e) = &c.effective_from { (e) } }
                        td { @if let Some(a) = &c.approved_by { (a) } }
                    }
                }
            }
        }
    };
    Ok(page("同意", "Consent", Some(&staff), body))
}

#[derive(Deserialize)]
struct GrantForm {
    document: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    approved_by: String,
}

#[derive(Deserialize)]
struct RevokeForm {
    document: String,
}

async fn grant(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<GrantForm>,
) -> Result<Redirect, WebError> {
    let document: DocumentId = parse("document", &f.document)?;
    let at = if f.at.trim().is_empty() {
        None
    } else {
        Some(date("at", &f.at)?)
    };
    let approved_by = super::text("approved_by", &f.approved_by)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(
                done(vrs.grant_consent(
                    caller.principal,
                    None,
                    document,
                    at,
                    Some(&approved_by),
                )?)
                .map(|_| ()),
            )
        })
        .await?;
    Ok(Redirect::to("/consent"))
}

async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<RevokeForm>,
) -> Result<Redirect, WebError> {
    let document: DocumentId = parse("document", &f.document)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.revoke_consent(caller.principal, None, document)?).map(|_| ()))
        })
        .await?;
    Ok(Redirect::to("/consent"))
}
