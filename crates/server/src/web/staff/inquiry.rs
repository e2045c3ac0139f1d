//! `/inquiry`: asking another municipality for a moved-in person's records
//! (D12-3). First the holder and the purpose; then the form, with the person's
//! consent checkbox when the rules say the holder's consent requires it (N-4,
//! T2-1-1); the answer is shown with its legal basis. The My Number is POSTed,
//! never put in a URL, and never shown back.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::domain::MyNumber;
use vrs::{InquiryOptions, MunicipalityCode};

use super::parse;
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/inquiry", get(form).post(ask))
}

#[derive(Deserialize, Default)]
struct Step {
    #[serde(default)]
    holder: String,
    #[serde(default)]
    purpose: String,
}

fn purposes(selected: &str) -> Markup {
    html! {
        @for (name, _) in vrs::consent::INQUIRY_PURPOSES {
            option value=(name) selected[name == selected] { (name) }
        }
    }
}

async fn form(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<Step>,
) -> Result<Markup, WebError> {
    let body = if q.holder.trim().is_empty() {
        html! {
            form.stack method="get" action="/inquiry" {
                label for="holder" { (label("照会先の自治体コード（6桁）", "Holding municipality (6 digits)")) }
                input id="holder" name="holder" type="text" inputmode="numeric" required maxlength="6";
                label for="purpose" { (label("照会の目的", "Purpose")) }
                select id="purpose" name="purpose" { (purposes("vaccination-ticket")) }
                button type="submit" { (label("次へ", "Next")) }
            }
        }
    } else {
        let holder: MunicipalityCode = parse("holder", &q.holder)?;
        let purpose = q.purpose.clone();
        let needs = staff
            .run(&state, move |vrs, _| {
                Ok(Ok(vrs.inquiry_needs_checkbox(holder, &purpose)?))
            })
            .await?;
        html! {
            p { (label("照会先", "Holder")) ": " (holder.info().name) " (" (holder) "), "
                (label("目的", "purpose")) ": " (q.purpose) }
            form.stack method="post" action="/inquiry" {
                input type="hidden" name="csrf" value=(staff.csrf);
                input type="hidden" name="holder" value=(holder);
                input type="hidden" name="purpose" value=(q.purpose);
                label for="my_number" { (label("個人番号（12桁）", "My Number (12 digits)")) }
                input id="my_number" name="my_number" type="password" inputmode="numeric"
                    autocomplete="off" required maxlength="12" pattern="[0-9]{12}";
                @if needs {
                    label for="personal_consent" {
                        input id="personal_consent" name="personal_consent" type="checkbox" value="on" required;
                        " " (label("本人の同意を確認しました（必須）", "I confirmed the person's consent (required)"))
                    }
                } @else {
                    p.notice { (label("照会先は別紙2に同意しているため、本人同意の確認は不要です。",
                                      "The holder consented to the addendum: the person's consent is not required.")) }
                }
                button type="submit" { (label("照会", "Ask")) }
            }
        }
    };
    Ok(page("照会", "Inquiry", Some(&staff), body))
}

#[derive(Deserialize)]
struct AskForm {
    holder: String,
    purpose: String,
    my_number: String,
    #[serde(default)]
    personal_consent: Option<String>,
}

async fn ask(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<AskForm>,
) -> Result<Markup, WebError> {
    let holder: MunicipalityCode = parse("holder", &f.holder)?;
    let n: MyNumber = parse("my_number", &f.my_number)?;
    let personal_consent = f.personal_consent.is_some();
    let purpose = f.purpose.clone();
    let answer = staff
        .run(&state, move |vrs, caller| {
            let options = InquiryOptions {
                personal_consent,
                purpose: &purpose,
                record: false,
            };
            Ok(done(vrs.inquire(caller.principal, holder, &n, options)?))
        })
        .await?;
    let body = html! {
        p { (label("照会先", "Holder")) ": " (holder.info().name) " (" (holder) ")" }
        p { strong { (label("法的根拠", "Legal basis")) ": " }
            @for (i, p) in answer.legal_basis.iter().enumerate() { @if i > 0 { ", " } span.provision { (p) } } }
        @if !answer.found {
            p role="status" { (label("照会先はこの方の記録を保有していません", "The holder holds no record of this person")) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (label("回数", "Dose")) }
                    th scope="col" { (label("接種日", "Date")) }
                    th scope="col" { (label("ワクチン", "Vaccine")) }
                    th scope="col" { (label("ロット", "Lot")) }
                    th scope="col" { (label("接種地", "Site")) }
                } }
                tbody { @for d in &answer.doses {
                    tr { td.num { (d.dose_number) } td { (d.date) } td { (d.product) } td { (d.lot) } td { (d.vaccinating_municipality) } }
                } }
            }
        }
        p { a href="/inquiry" { (label("別の照会", "Another inquiry")) } }
    };
    Ok(page("照会結果", "Inquiry answer", Some(&staff), body))
}
