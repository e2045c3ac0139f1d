//! `/ledger`: the ledger export (予防接種台帳向け出力, T1-5-1) as a download, in
//! CP932 or UTF-8. The facade writes it on a read-only connection (off the one
//! writer) to a file in the data directory, which is unlinked once opened,
//! streamed to the browser only after the export's audit event is durable, and
//! never kept.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use vrs::ExportOptions;

use super::{date, parse};
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(form))
        .route("/ledger/download", post(download))
}

async fn form(staff: Staff) -> Markup {
    page(
        "台帳出力",
        "Ledger download",
        Some(&staff),
        html! {
            form.stack method="post" action="/ledger/download" {
                input type="hidden" name="csrf" value=(staff.csrf);
                label for="encoding" { (label("文字コード", "Encoding")) }
                select id="encoding" name="encoding" {
                    option value="cp932" { "CP932 (Shift_JIS)" }
                    option value="utf-8" { "UTF-8" }
                }
                label for="since" { (label("この日以降に登録・変更された接種のみ（任意）", "Only doses changed since (optional)")) }
                input id="since" name="since" type="date";
                label for="with_address_number" {
                    input id="with_address_number" name="with_address_number" type="checkbox" value="on";
                    " " (label("宛名番号を出力する", "Fill in the address number"))
                }
                button type="submit" { (label("ダウンロード", "Download")) }
            }
        },
    )
}

#[derive(Deserialize)]
struct LedgerForm {
    encoding: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    with_address_number: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<LedgerForm>,
) -> Result<Response, WebError> {
    let encoding: vrs::Encoding = parse("encoding", &f.encoding)?;
    let since = if f.since.trim().is_empty() {
        None
    } else {
        Some(date("since", &f.since)?)
    };
    let options = ExportOptions {
        since,
        encoding,
        with_address_number: f.with_address_number.is_some(),
        replace: false,
    };
    let path = state.settings.data_dir.join(format!(
        "ledger-{}.csv.part",
        crate::web::csrf::fresh_anonymous_cookie()
    ));
    // Off the writer, as the API does it (`api::reports::ledger`): decided on
    // the writer, written on a read-only connection from one snapshot, and
    // audited (deciding again) on the writer before a byte is sent.
    let grant = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.grant_ledger(caller.principal, options)?))
        })
        .await?;
    let out = path.clone();
    let (written, grant) = state
        .vrs
        .read(move |vrs| Ok((vrs.read_ledger(&grant, &out), grant)))
        .await?;
    let written = written?;
    staff
        .run(&state, move |vrs, _| {
            Ok(done(vrs.record_ledger(grant, written)?).map(|_| ()))
        })
        .await
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&path);
        })?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| WebError::Internal(format!("reading the ledger: {e}")));
    // The file is gone from the directory at once; the open handle streams it.
    let _ = tokio::fs::remove_file(&path).await;
    let file = file?;
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let charset = match encoding {
        vrs::Encoding::Cp932 => "Shift_JIS",
        vrs::Encoding::Utf8 => "utf-8",
    };
    Ok((
        [
            (header::CONTENT_TYPE, format!("text/csv; charset={charset}")),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ledger.csv\"".to_owned(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
