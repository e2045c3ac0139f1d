//! `/upload`: the resident CSV import (D12-1) as a form. The file is streamed
//! to an unnamed temporary file, then imported all or nothing: any bad row and
//! the page shows the table of faults (line, column, reason) and nothing is
//! imported. `/static/upload.js` shows the upload's progress; without it the
//! form posts as usual.

use std::io::{Seek, Write};

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};

use crate::api::error::RowFault;
use crate::api::residents::IMPORT_LIMIT;
use crate::web::auth::{done, Staff};
use crate::web::error::{faults, WebError};
use crate::web::layout::{label, page, script};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/upload",
        get(form)
            .post(upload)
            .layer(DefaultBodyLimit::max(IMPORT_LIMIT as usize + 64 * 1024)),
    )
}

fn upload_form(staff: &Staff) -> Markup {
    html! {
        form.stack method="post" action="/upload" enctype="multipart/form-data" data-progress="upload-progress" {
            // The CSRF token is the first part: it is checked before the file arrives.
            input type="hidden" name="csrf" value=(staff.csrf);
            label for="encoding" { (label("文字コード", "Encoding")) }
            select id="encoding" name="encoding" {
                option value="" { "自動判定 / Detect" }
                option value="utf-8" { "UTF-8" }
                option value="cp932" { "CP932 (Shift_JIS)" }
            }
            label for="file" { (label("住民CSVファイル", "Resident CSV file")) }
            input id="file" name="file" type="file" accept=".csv,text/csv" required;
            progress id="upload-progress" hidden max="100" value="0" aria-label="送信状況 / Upload progress" {}
            button type="submit" { (label("取り込む", "Import")) }
        }
        p.notice { (label("1行でも誤りがあれば何も取り込まれません。", "If any row is bad, nothing is imported.")) }
    }
}

async fn form(staff: Staff) -> Markup {
    page(
        "住民CSV取込",
        "Resident CSV upload",
        Some(&staff),
        html! { (upload_form(&staff)) (script("/static/upload.js")) },
    )
}

fn internal(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("spooling the upload: {e}"))
}

async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut encoding: Option<vrs::Encoding> = None;
    let mut file: Option<std::fs::File> = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::bad(format!("form: {e}")))?
    {
        match field.name() {
            Some("encoding") => {
                let v = field
                    .text()
                    .await
                    .map_err(|e| WebError::bad(format!("encoding: {e}")))?;
                encoding = super::optional("encoding", &v)?;
            }
            Some("file") => {
                let mut f = tempfile::tempfile_in(&state.settings.data_dir).map_err(internal)?;
                let mut total: u64 = 0;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| WebError::bad(format!("file: {e}")))?
                {
                    total += chunk.len() as u64;
                    if total > IMPORT_LIMIT {
                        return Err(WebError::TooLarge {
                            limit: IMPORT_LIMIT,
                        });
                    }
                    f.write_all(&chunk).map_err(internal)?;
                }
                f.rewind().map_err(internal)?;
                file = Some(f);
            }
            _ => {}
        }
    }
    let file = file.ok_or_else(|| super::field_error("file", "no file chosen"))?;
    let outcome = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.import_residents(
                caller.principal,
                std::io::BufReader::new(file),
                encoding,
                false,
            )?))
        })
        .await?;
    let ok = outcome.errors.is_empty();
    let errors: Vec<RowFault> = outcome.errors.iter().map(Into::into).collect();
    let body = html! {
        @if ok {
            div.ok role="status" {
                p { (label("取り込みました。", "Imported.")) }
                ul {
                    li { (label("新規", "New")) ": " (outcome.imported) }
                    li { (label("更新", "Updated")) ": " (outcome.updated) }
                    li { (label("変更なし", "Unchanged")) ": " (outcome.unchanged) }
                }
            }
        } @else {
            div.error role="alert" {
                p { (label("誤りがあるため、何も取り込んでいません。", "Nothing was imported: the file has errors."))
                    " (" (errors.len()) ")" }
            }
            (faults(&errors))
        }
        (upload_form(&staff))
        (script("/static/upload.js"))
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((
        status,
        page("住民CSV取込", "Resident CSV upload", Some(&staff), body),
    )
        .into_response())
}
