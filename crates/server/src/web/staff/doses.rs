//! One dose on the resident page (its fields and every version with who, when
//! and why) and its actions: correct with a reason, confirm, delete with a
//! reason. Each POST answers with a redirect back to the resident page, or
//! the refusal or rejection page.

use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::domain::{AddressNumber, Dose, DoseId, DoseStatus, VaccineProduct};
use vrs::Correction;
use vrs::DoseVersion;

use super::{date, optional, parse, text};
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::label;
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/doses/{dose_id}/correct", post(correct))
        .route("/doses/{dose_id}/confirm", post(confirm))
        .route("/doses/{dose_id}/delete", post(delete))
}

fn fields(d: &Dose) -> Markup {
    html! {
        td { (d.dose_number) }
        td { (d.date) }
        td { (d.vaccine.brand_ja()) " (" (d.vaccine.id()) ")" }
        td { (d.lot) }
        td { @if let Some(v) = &d.venue { (v) } }
        td { @if let Some(v) = &d.doctor { (v) } }
    }
}

fn field_heads() -> Markup {
    html! {
        th scope="col" { (label("回数", "Dose")) }
        th scope="col" { (label("接種日", "Date")) }
        th scope="col" { (label("ワクチン", "Vaccine")) }
        th scope="col" { (label("ロット", "Lot")) }
        th scope="col" { (label("会場", "Venue")) }
        th scope="col" { (label("医師", "Doctor")) }
    }
}

/// A dose with its versions and (for an active dose) its forms.
pub(super) fn dose_section(
    staff: &Staff,
    back: &AddressNumber,
    d: &Dose,
    history: &[DoseVersion],
) -> Markup {
    let id = d.id.to_string();
    let active = d.status == DoseStatus::Active;
    html! {
        section.dose aria-label={ "dose " (id) } {
            h3 {
                (label("接種", "Dose")) " " (id)
                @if !active { " — " (label("削除済み", "entered in error")) }
                @if d.confirmed { " — " (label("確認済み", "confirmed")) }
            }
            table {
                thead { tr { (field_heads()) } }
                tbody { tr { (fields(d)) } }
            }
            details {
                summary { (label("変更履歴", "Version history")) " (" (history.len()) ")" }
                table.history {
                    thead { tr {
                        th scope="col" { (label("版", "Version")) }
                        th scope="col" { (label("変更", "Change")) }
                        th scope="col" { (label("日時", "When")) }
                        th scope="col" { (label("変更者", "By")) }
                        th scope="col" { (label("理由", "Reason")) }
                        (field_heads())
                    } }
                    tbody {
                        @for v in history {
                            tr {
                                td.num { (v.version) }
                                td { (v.change) }
                                td { (v.changed_at) }
                                td { (v.changed_by) }
                                td { @if let Some(r) = &v.reason { (r) } }
                                (fields(&v.dose))
                            }
                        }
                    }
                }
            }
            @if active {
                details {
                    summary { (label("訂正する", "Correct")) }
                    form.stack method="post" action={ "/doses/" (id) "/correct" } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        input type="hidden" name="back" value=(back);
                        label for={ "date-" (id) } { (label("接種日", "Date")) }
                        input id={ "date-" (id) } name="date" type="date" value=(d.date);
                        label for={ "vaccine-" (id) } { (label("ワクチン", "Vaccine")) }
                        select id={ "vaccine-" (id) } name="vaccine" {
                            @for p in VaccineProduct::all() {
                                option value=(p.id()) selected[p.id() == d.vaccine.id()] { (p.brand_ja()) " (" (p.id()) ")" }
                            }
                        }
                        label for={ "lot-" (id) } { (label("ロット番号", "Lot")) }
                        input id={ "lot-" (id) } name="lot" type="text" maxlength="20" value=(d.lot);
                        label for={ "venue-" (id) } { (label("会場", "Venue")) }
                        input id={ "venue-" (id) } name="venue" type="text" maxlength="100"
                            value=[d.venue.as_ref().map(ToString::to_string)];
                        label for={ "doctor-" (id) } { (label("医師", "Doctor")) }
                        input id={ "doctor-" (id) } name="doctor" type="text" maxlength="100"
                            value=[d.doctor.as_ref().map(ToString::to_string)];
                        label for={ "reason-c-" (id) } { (label("訂正理由（必須）", "Reason (required)")) }
                        input id={ "reason-c-" (id) } name="reason" type="text" required maxlength="500";
                        button type="submit" { (label("訂正", "Correct")) }
                    }
                }
                @if !d.confirmed {
                    form method="post" action={ "/doses/" (id) "/confirm" } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        input type="hidden" name="back" value=(back);
                        button type="submit" { (label("確認済みにする", "Confirm")) }
                    }
                }
                details {
                    summary { (label("削除する", "Delete")) }
                    form.stack method="post" action={ "/doses/" (id) "/delete" } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        input type="hidden" name="back" value=(back);
                        label for={ "reason-d-" (id) } { (label("削除理由（必須）", "Reason (required)")) }
                        input id={ "reason-d-" (id) } name="reason" type="text" required maxlength="500";
                        button.danger type="submit" { (label("削除", "Delete")) }
                    }
                }
            }
        }
    }
}

/// The correction form: each field as shown; only the changed ones are sent
/// to the facade.
#[derive(Deserialize)]
struct CorrectForm {
    back: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    vaccine: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    doctor: String,
    #[serde(default)]
    reason: String,
}

/// Confirm and delete: where to go back to, and the reason (delete).
#[derive(Deserialize)]
struct ActionForm {
    back: String,
    #[serde(default)]
    reason: String,
}

fn back_to(back: &AddressNumber) -> Redirect {
    Redirect::to(&format!("/residents/{back}"))
}

/// A dose action's answer: done, or its rejection as a 400 page.
fn settled(answer: vrs::Answer<Result<Dose, vrs::Rejection>>) -> Result<(), WebError> {
    done(answer)?
        .map(|_| ())
        .map_err(|r| crate::api::error::ApiError::Rejected(r).into())
}

async fn correct(
    State(state): State<AppState>,
    staff: Staff,
    Path(dose_id): Path<String>,
    Form(form): Form<CorrectForm>,
) -> Result<Redirect, WebError> {
    let id: DoseId = parse("dose_id", &dose_id)?;
    let back: AddressNumber = parse("back", &form.back)?;
    let reason = text("reason", &form.reason)?;
    let new_date = if form.date.trim().is_empty() {
        None
    } else {
        Some(date("date", &form.date)?)
    };
    let vaccine = if form.vaccine.trim().is_empty() {
        None
    } else {
        Some(
            VaccineProduct::by_id(form.vaccine.trim())
                .ok_or_else(|| super::field_error("vaccine", "not in the catalog"))?,
        )
    };
    let proposed = Correction {
        date: new_date,
        vaccine,
        lot: optional("lot", &form.lot)?,
        venue: optional("venue", &form.venue)?,
        doctor: optional("doctor", &form.doctor)?,
        dose_number: None,
    };
    staff
        .run(&state, move |vrs, caller| {
            // The form shows every field: send only what differs from the dose.
            let current = vrs.dose_history(caller.principal, id)?;
            let correction = match current {
                vrs::Answer::Done(Ok(versions)) => match versions.last() {
                    Some(v) => changed(&v.dose, proposed),
                    None => proposed,
                },
                _ => proposed,
            };
            Ok(settled(vrs.correct_dose(
                caller.principal,
                id,
                &correction,
                &reason,
            )?))
        })
        .await?;
    Ok(back_to(&back))
}

/// The fields of `proposed` that differ from `dose`.
fn changed(dose: &Dose, proposed: Correction) -> Correction {
    Correction {
        date: proposed.date.filter(|d| *d != dose.date),
        vaccine: proposed.vaccine.filter(|v| v.id() != dose.vaccine.id()),
        lot: proposed.lot.filter(|l| *l != dose.lot),
        venue: proposed.venue.filter(|v| Some(v) != dose.venue.as_ref()),
        doctor: proposed.doctor.filter(|v| Some(v) != dose.doctor.as_ref()),
        dose_number: proposed.dose_number,
    }
}

async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    Path(dose_id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Redirect, WebError> {
    let id: DoseId = parse("dose_id", &dose_id)?;
    let back: AddressNumber = parse("back", &form.back)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(settled(vrs.confirm_dose(caller.principal, id)?))
        })
        .await?;
    Ok(back_to(&back))
}

async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(dose_id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Redirect, WebError> {
    let id: DoseId = parse("dose_id", &dose_id)?;
    let back: AddressNumber = parse("back", &form.back)?;
    let reason = text("reason", &form.reason)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(settled(vrs.delete_dose(caller.principal, id, &reason)?))
        })
        .await?;
    Ok(back_to(&back))
}
