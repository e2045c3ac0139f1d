//! The public verifier (`/verify`, no sign-in): paste the QR text, upload a PNG
//! or a photo, or scan with the camera; the certificate is verified on the server
//! against the issuer keys and revocation lists this service publishes, and the
//! page shows the name, birth date, doses, issuer, and valid or every reason it
//! is not. Nothing read is stored or logged (A10-6-1): the handler writes no log
//! line of its own, the facade's verification writes nothing, and the answer is
//! `Cache-Control: no-store`.
//!
//! The camera and photos are decoded in the browser by jsQR (vendored from npm
//! `jsqr` 1.4.0, Apache-2.0, `static/vendor/jsQR.js` with its licence), loaded only
//! when the visitor picks the camera or a photo; a PNG is decoded on the server too,
//! so the page works without script.

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use vrs::certificate::VerifiedCard;
use vrs::VerifyRefusal;

use super::auth::anonymous_csrf;
use super::error::WebError;
use super::layout::{label, page, script};
use crate::AppState;

/// The verifier's script and the vendored QR decoder.
pub const VERIFY_JS: &str = include_str!("../../static/verify.js");
/// jsQR 1.4.0 (npm `jsqr`, Apache-2.0; licence in `static/vendor/jsQR.LICENSE`).
pub const JSQR_JS: &str = include_str!("../../static/vendor/jsQR.js");
/// jsQR's licence, served beside it.
pub const JSQR_LICENSE: &str = include_str!("../../static/vendor/jsQR.LICENSE");

/// Largest upload of the verifier (a QR image or a few QR texts).
pub const VERIFY_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The verifier's routes (its POST passes the CSRF layer like every form).
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", get(form).post(verify))
        .layer(DefaultBodyLimit::max(VERIFY_BODY_LIMIT))
}

/// The verifier's static files (no CSRF: GET only).
pub(super) fn assets() -> Router<AppState> {
    Router::new()
        .route("/static/verify.js", get(|| js(VERIFY_JS)))
        .route("/static/vendor/jsQR.js", get(|| js(JSQR_JS)))
        .route(
            "/static/vendor/jsQR.LICENSE",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    JSQR_LICENSE,
                )
            }),
        )
}

async fn js(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

fn form_markup(csrf: &str, result: Option<Markup>) -> Markup {
    let body = html! {
        @if let Some(r) = result { (r) }
        p { "接種証明書のQRコードを確認します。読み取った内容は保存も記録もしません。"
            span.en lang="en" { " Checks a vaccination certificate's QR code. Nothing read is stored or logged." } }
        form #verify-form .stack method="post" action="/verify" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf);
            label for="qr" { (label("QRコードの内容（shc:/…）", "QR text (shc:/…)")) }
            textarea #qr name="qr" rows="5" cols="60" autocomplete="off" spellcheck="false" {}
            label for="image" { (label("QRコードの画像・写真", "QR code image or photo")) }
            input #image name="image" type="file" accept="image/*";
            p #scan-status aria-live="polite" {}
            button #camera-start .noprint type="button" hidden { (label("カメラで読み取る", "Scan with the camera")) }
            video #camera hidden playsinline muted {}
            button #verify type="submit" { (label("確認する", "Verify")) }
        }
        p.en lang="en" { "QR decoding in the browser: jsQR 1.4.0 ("
            a href="/static/vendor/jsQR.LICENSE" { "Apache License 2.0" } ")." }
        (script("/static/verify.js"))
    };
    page("接種証明書の確認", "Certificate verifier", None, body)
}

/// `GET /verify`: the form.
pub async fn form(headers: HeaderMap) -> Response {
    let (token, set) = anonymous_csrf(&headers);
    let mut res = form_markup(&token, None).into_response();
    if let Some(set) = set {
        res.headers_mut().append(header::SET_COOKIE, set);
    }
    res
}

fn valid(card: &VerifiedCard) -> Markup {
    html! {
        div #result .ok role="status" data-valid="true" {
            h2 { (label("有効な接種証明書です", "Valid certificate")) }
            dl {
                dt { (label("氏名", "Name")) } dd #holder-name { (card.name) }
                dt { (label("生年月日", "Birth date")) } dd #holder-birth-date { (card.birth_date) }
                dt { (label("発行者", "Issuer")) } dd #issuer { (card.iss) }
            }
            table #doses {
                thead { tr {
                    th scope="col" { (label("接種日", "Date")) }
                    th scope="col" { (label("ワクチン", "Vaccine")) }
                    th scope="col" { (label("ロット", "Lot")) }
                    th scope="col" { (label("接種者", "Performer")) }
                } }
                tbody {
                    @for d in &card.doses {
                        tr {
                            td { (d.date) }
                            td { (d.vaccine.as_deref().or(d.cvx.as_deref()).unwrap_or("—")) }
                            td { (d.lot.as_deref().unwrap_or("—")) }
                            td { (d.performer.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
            @if !card.warnings.is_empty() {
                ul.warnings { @for w in &card.warnings { li { (w) } } }
            }
        }
    }
}

fn invalid(refusal: &VerifyRefusal) -> Markup {
    html! {
        div #result .error role="alert" data-valid="false" {
            h2 { (label("有効な接種証明書ではありません", "Not a valid certificate")) }
            ul #reasons {
                @for e in refusal {
                    li data-code=(e.code.as_str()) { span.provision { (e.code.as_str()) } ": " (e.message) }
                }
            }
        }
    }
}

/// `POST /verify`: verifies the pasted text, else the uploaded PNG.
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut text = String::new();
    let mut image: Vec<u8> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::bad(format!("the form could not be read: {e}")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| WebError::bad(format!("{name}: {e}")))?;
        match name.as_str() {
            "qr" => {
                text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| WebError::bad("qr: not UTF-8 text"))?
            }
            "image" => image = bytes.to_vec(),
            _ => {}
        }
    }
    let text = text.trim().to_owned();
    if text.is_empty() && image.is_empty() {
        return Err(WebError::bad(
            "qr: QRコードの内容か画像を入れてください / give the QR text or an image",
        ));
    }
    let answer = state
        .vrs
        .run(move |vrs| {
            if text.is_empty() {
                vrs.verify_certificate_png(&image)
            } else {
                vrs.verify_certificate(&text)
            }
        })
        .await?;
    let result = match &answer {
        Ok(card) => valid(card),
        Err(refusal) => invalid(refusal),
    };
    let (token, set) = anonymous_csrf(&headers);
    let mut res = form_markup(&token, Some(result)).into_response();
    if let Some(set) = set {
        res.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(res)
}
