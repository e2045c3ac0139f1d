//! Resident search (宛名番号, ticket number, kana name + birth date; by My Number
//! only in a POST body and only for My Number handlers) and the resident page
//! `/residents/{address_number}`: the doses with every version, and the forms to
//! correct (with a reason), confirm and delete (with a reason) each dose.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::domain::{AddressNumber, BirthDate, Dose, KanaName, MyNumber, Resident, TicketNumber};
use vrs::DoseVersion;
use vrs::{Answer, Lookup};

use super::{optional, parse};
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, masked_my_number, page};
use crate::AppState;

/// How many residents one kana + birth date search shows at most.
pub(crate) const SEARCH_LIMIT: u32 = 50;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/residents", get(search))
        .route("/residents/lookup", post(lookup))
        .route("/residents/{address_number}", get(show))
}

/// The search form's fields (none a My Number: that one is POSTed).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    address_number: String,
    #[serde(default)]
    ticket_number: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    birth_date: String,
}

fn search_form(staff: &Staff, q: &SearchQuery) -> Markup {
    html! {
        form.stack method="get" action="/residents" {
            fieldset {
                legend { (label("宛名番号・接種券番号で検索", "By address or ticket number")) }
                label for="address_number" { (label("宛名番号", "Address number")) }
                input id="address_number" name="address_number" type="text" maxlength="15" value=(q.address_number);
                label for="ticket_number" { (label("接種券番号（10桁）", "Ticket number (10 digits)")) }
                input id="ticket_number" name="ticket_number" type="text" inputmode="numeric" maxlength="10" value=(q.ticket_number);
            }
            fieldset {
                legend { (label("カナ氏名と生年月日で検索", "By kana name and birth date")) }
                label for="kana" { (label("氏名カナ（前方一致）", "Kana name (prefix)")) }
                input id="kana" name="kana" type="text" maxlength="60" value=(q.kana);
                label for="birth_date" { (label("生年月日", "Birth date")) }
                input id="birth_date" name="birth_date" type="date" value=(q.birth_date);
            }
            button type="submit" { (label("検索", "Search")) }
        }
        @if staff.caller.my_number_handler {
            form.stack method="post" action="/residents/lookup" {
                input type="hidden" name="csrf" value=(staff.csrf);
                fieldset {
                    legend { (label("個人番号で検索（個人番号利用事務担当者のみ）", "By My Number (My Number handlers only)")) }
                    label for="my_number" { (label("個人番号（12桁）", "My Number (12 digits)")) }
                    input id="my_number" name="my_number" type="password" inputmode="numeric"
                        autocomplete="off" maxlength="12" pattern="[0-9]{12}" required;
                }
                button type="submit" { (label("検索", "Search")) }
            }
        }
    }
}

/// The results table: My Number always masked.
pub(crate) fn results(found: &[Resident]) -> Markup {
    html! {
        @if found.is_empty() {
            p role="status" { (label("該当する住民はいません", "No resident matches")) }
        } @else {
            table {
                caption { (label("検索結果", "Results")) " (" (found.len()) ")" }
                thead { tr {
                    th scope="col" { (label("宛名番号", "Address number")) }
                    th scope="col" { (label("接種券番号", "Ticket")) }
                    th scope="col" { (label("氏名", "Name")) }
                    th scope="col" { (label("氏名カナ", "Kana")) }
                    th scope="col" { (label("生年月日", "Birth date")) }
                    th scope="col" { (label("個人番号", "My Number")) }
                } }
                tbody {
                    @for r in found {
                        tr {
                            td { a href={ "/residents/" (r.address_number) } { (r.address_number) } }
                            td { (r.ticket_number) }
                            td { (r.name) }
                            td { (r.name_kana) }
                            td { (r.birth_date) }
                            td { (masked_my_number()) }
                        }
                    }
                }
            }
        }
    }
}

/// What the search asks for, parsed (`None`: the form only).
enum Search {
    One(Lookup),
    Kana(KanaName, BirthDate),
}

fn parse_search(q: &SearchQuery) -> Result<Option<Search>, WebError> {
    if let Some(a) = optional::<AddressNumber>("address_number", &q.address_number)? {
        return Ok(Some(Search::One(Lookup::AddressNumber(a))));
    }
    if let Some(t) = optional::<TicketNumber>("ticket_number", &q.ticket_number)? {
        return Ok(Some(Search::One(Lookup::TicketNumber(t))));
    }
    match (q.kana.trim().is_empty(), q.birth_date.trim().is_empty()) {
        (true, true) => Ok(None),
        (false, false) => Ok(Some(Search::Kana(
            parse("kana", &q.kana)?,
            parse("birth_date", &q.birth_date)?,
        ))),
        (true, false) => Err(super::field_error(
            "kana",
            "give the kana name with the birth date",
        )),
        (false, true) => Err(super::field_error(
            "birth_date",
            "give the birth date with the kana name",
        )),
    }
}

async fn search(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SearchQuery>,
) -> Result<Markup, WebError> {
    let wanted = parse_search(&q)?;
    let found = match wanted {
        None => None,
        Some(s) => Some(
            staff
                .run(&state, move |vrs, caller| {
                    Ok(match s {
                        Search::One(lookup) => {
                            done(vrs.find_resident(caller.principal, None, &lookup)?)
                                .map(|r| r.into_iter().collect::<Vec<_>>())
                        }
                        Search::Kana(kana, birth) => done(vrs.search_residents(
                            caller.principal,
                            &kana,
                            &birth,
                            SEARCH_LIMIT,
                        )?),
                    })
                })
                .await?,
        ),
    };
    let body = html! {
        (search_form(&staff, &q))
        @if let Some(found) = &found { (results(found)) }
    };
    Ok(page("住民検索", "Resident search", Some(&staff), body))
}

/// The My Number search form (POST: a My Number never goes into a URL).
#[derive(Deserialize)]
struct LookupForm {
    my_number: String,
}

async fn lookup(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<LookupForm>,
) -> Result<Markup, WebError> {
    let n: MyNumber = parse("my_number", &form.my_number)?;
    let found = staff
        .run(&state, move |vrs, caller| {
            Ok(
                done(vrs.find_resident(caller.principal, None, &Lookup::MyNumber(n))?)
                    .map(|r| r.into_iter().collect::<Vec<_>>()),
            )
        })
        .await?;
    let body = html! {
        (search_form(&staff, &SearchQuery::default()))
        (results(&found))
    };
    Ok(page("住民検索", "Resident search", Some(&staff), body))
}

/// A resident and each of its doses with every version.
struct Person {
    resident: Resident,
    doses: Vec<(Dose, Vec<DoseVersion>)>,
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(address_number): Path<String>,
) -> Result<Markup, WebError> {
    let a: AddressNumber = parse("address_number", &address_number)?;
    let person = staff
        .run(&state, move |vrs, caller| {
            let lookup = Lookup::AddressNumber(a);
            let resident = match vrs.find_resident(caller.principal, None, &lookup)? {
                Answer::Done(Some(r)) => r,
                Answer::Done(None) => {
                    return Ok(Err(WebError::NotFound(
                        "この宛名番号の住民はいません / No resident has this address number".into(),
                    )))
                }
                Answer::Refused(r) => return Ok(Err(WebError::refused(r))),
            };
            let doses = match vrs.list_doses(caller.principal, &lookup)? {
                Answer::Done(d) => d,
                Answer::Refused(r) => return Ok(Err(WebError::refused(r))),
            };
            let mut with_history = Vec::with_capacity(doses.len());
            for d in doses {
                let history = match vrs.dose_history(caller.principal, d.id)? {
                    Answer::Done(Ok(h)) => h,
                    Answer::Done(Err(_)) => Vec::new(),
                    Answer::Refused(r) => return Ok(Err(WebError::refused(r))),
                };
                with_history.push((d, history));
            }
            Ok(Ok(Person {
                resident,
                doses: with_history,
            }))
        })
        .await?;
    let r = &person.resident;
    let body = html! {
        table {
            tbody {
                tr { th scope="row" { (label("氏名", "Name")) } td { (r.name) } }
                tr { th scope="row" { (label("氏名カナ", "Kana")) } td { (r.name_kana) } }
                tr { th scope="row" { (label("生年月日", "Birth date")) } td { (r.birth_date) } }
                tr { th scope="row" { (label("性別", "Sex")) } td { (r.sex.code()) } }
                tr { th scope="row" { (label("宛名番号", "Address number")) } td { (r.address_number) } }
                tr { th scope="row" { (label("接種券番号", "Ticket number")) } td { (r.ticket_number) } }
                tr { th scope="row" { (label("個人番号", "My Number")) } td { (masked_my_number()) } }
            }
        }
        h2 { (label("接種記録", "Doses")) }
        @if person.doses.is_empty() {
            p { (label("接種記録はありません", "No dose recorded")) }
        }
        @for (dose, history) in &person.doses {
            (super::doses::dose_section(&staff, &r.address_number, dose, history))
        }
    };
    Ok(page("住民情報", "Resident", Some(&staff), body))
}
