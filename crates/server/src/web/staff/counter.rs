//! `/counter`: counter issuance (窓口発行). A clerk issues the printable A4
//! certificate, with its QR code, to a resident who applied in person and whose
//! identity was checked at the counter (the rule: vrs-consent, T1-4-1). The
//! answer is the certificate crate's own page, served under a policy that allows
//! exactly its one inline stylesheet (by hash) and no script.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::certificate::{encode_bytes, encode_shc, render_html};
use vrs::domain::AddressNumber;

use super::parse;
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/counter", get(form).post(issue))
}

fn counter_form(staff: &Staff) -> Markup {
    html! {
        p.notice { (label("本人確認書類で窓口にて本人確認を行ってから発行してください。",
                          "Check the person's identity documents at the counter before issuing.")) }
        form.stack method="post" action="/counter" {
            input type="hidden" name="csrf" value=(staff.csrf);
            label for="address_number" { (label("宛名番号", "Address number")) }
            input id="address_number" name="address_number" type="text" required maxlength="15";
            button type="submit" { (label("証明書を発行", "Issue the certificate")) }
        }
    }
}

async fn form(staff: Staff) -> Markup {
    page(
        "窓口発行",
        "Counter issuance",
        Some(&staff),
        counter_form(&staff),
    )
}

#[derive(Deserialize)]
struct CounterForm {
    address_number: String,
}

/// The policy of the certificate page: the page's policy, with its one inline
/// `<style>` allowed by its SHA-256 (never `unsafe-inline`).
fn certificate_csp(html: &str) -> Option<HeaderValue> {
    let start = html.find("<style>")? + "<style>".len();
    let end = start + html[start..].find("</style>")?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &html.as_bytes()[start..end]);
    let hash = data_encoding::BASE64.encode(digest.as_ref());
    let csp = crate::web::headers::CSP.replace(
        "style-src 'self'",
        &format!("style-src 'self' 'sha256-{hash}'"),
    );
    HeaderValue::from_str(&csp).ok()
}

async fn issue(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<CounterForm>,
) -> Result<Response, WebError> {
    let a: AddressNumber = parse("address_number", &f.address_number)?;
    let issued = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.issue_at_counter(caller.principal, &a)?))
        })
        .await?
        .map_err(|n| WebError::BadInput {
            message: format!("{} ({}): {}", n.kind, n.grounds.join(", "), n.message),
            errors: Vec::new(),
        })?;
    let qr = encode_shc(&issued.shc.qr_text())
        .map_err(|e| WebError::Internal(format!("certificate QR: {e}")))?;
    let vds = issued
        .vds_nc
        .as_deref()
        .map(|v| encode_bytes(v).map(|q| q.to_svg()))
        .transpose()
        .map_err(|e| WebError::Internal(format!("certificate VDS-NC QR: {e}")))?;
    let html = render_html(&issued.content, &qr.to_svg(), vds.as_deref());
    let mut res = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html.clone(),
    )
        .into_response();
    if let Some(csp) = certificate_csp(&html) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(res)
}
