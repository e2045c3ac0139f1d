//! The certificate app's API under `/app/v1` (V8, P9, A10): server challenges and
//! applications, limited per client address (`--app-rate`, A10-10). The app has no
//! account: the applicant is proven by the card's signed data and its signature over a
//! challenge this service issued. Handlers parse, call the facade, render; every
//! refusal is the facade's value (`vrs::NotIssued`), answered 403 (503 during an
//! emergency stop) in the shape `vrs apply --json` prints.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use vrs::identity::{CardVerifier, TrustAnchors};
use vrs::{AppApplication, NotIssued};

use crate::api::error::ApiError;
use crate::load::{self, RateLimiter};
use crate::{AppState, ServeError};

/// The largest application body accepted (a card dump is about 2 KiB of hex).
pub const MAX_APPLICATION_BODY: usize = 64 * 1024;

/// The `/app/v1` routes, each limited per client address at `state`'s `--app-rate`.
pub fn router(state: &AppState) -> Router<AppState> {
    let limiter = Arc::new(RateLimiter::new(state.settings.app_rate));
    Router::new()
        .route("/app/v1/challenge", post(challenge))
        .route("/app/v1/applications", post(applications))
        .layer(axum::middleware::from_fn_with_state(
            limiter,
            load::rate_limit,
        ))
}

/// The card verifier of the app API: only the CA keys of `files` are trusted (files
/// shaped like `fixtures/reference/card-ca-keys.json`); none given, no card verifies.
pub fn card_verifier(files: &[PathBuf]) -> Result<CardVerifier, ServeError> {
    let mut anchors = TrustAnchors::empty();
    for path in files {
        let bad = |reason: String| ServeError::CardCaKeys {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        anchors.extend(TrustAnchors::from_json(&text).map_err(|e| bad(e.to_string()))?);
    }
    Ok(CardVerifier::new(anchors).require_liveness(true))
}

/// A challenge: the card signs `nonce` before `expires_at`, once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeBody {
    /// 32 random bytes, hex (64 characters).
    pub nonce: String,
    /// When it stops being accepted (5 minutes after issue), RFC 3339.
    pub expires_at: String,
}

/// Issues a challenge for the card to sign (P9-1): 32 random bytes, valid 5 minutes,
/// single use, kept server-side (hashed).
#[utoipa::path(post, path = "/app/v1/challenge", tag = "app", responses(
    (status = 200, description = "A fresh challenge", body = ChallengeBody),
    (status = 429, description = "Over this client's --app-rate; see Retry-After", body = crate::api::error::ErrorBody),
    (status = 503, description = "Overloaded, or too many live challenges; see Retry-After")))]
pub async fn challenge(State(state): State<AppState>) -> Result<Json<ChallengeBody>, ApiError> {
    match state.vrs.run(|vrs| vrs.issue_challenge()).await? {
        Some(c) => Ok(Json(ChallengeBody {
            nonce: c.nonce,
            expires_at: c.expires_at,
        })),
        None => Err(ApiError::Unavailable),
    }
}

/// The card data as the input-support AP gives it (hex strings), with the signed challenge.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct CardBody {
    /// EF 0001 (hex).
    pub ef0001: String,
    /// EF 0002 (hex).
    pub ef0002: String,
    /// EF 0003 (hex).
    pub ef0003: String,
    /// EF 0004 (hex).
    pub ef0004: String,
    /// EF 0007, the AP key that signs the nonce (hex).
    pub ef0007: Option<String>,
    /// The challenge's nonce (hex), as `POST /app/v1/challenge` gave it.
    pub nonce: Option<String>,
    /// The card's signature over the nonce (hex).
    pub nonce_signature: Option<String>,
}

/// The passport's MRZ lines (overseas certificates).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PassportBody {
    /// MRZ line 1 (44 characters).
    pub line1: String,
    /// MRZ line 2 (44 characters).
    pub line2: String,
}

/// An application (the schema of `vrs::AppApplication`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ApplicationBody {
    /// The municipality applied to: the one that holds the record (6 digits).
    pub municipality: String,
    /// `domestic` or `overseas`.
    #[schema(pattern = "^(domestic|overseas)$")]
    pub kind: String,
    /// The card data with the signed challenge.
    pub card: CardBody,
    /// The passport (overseas).
    pub passport: Option<PassportBody>,
}

/// Why no certificate was issued: the provisions it rests on and what to tell the applicant.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RefusalBody {
    /// Machine-readable: `no_consent`, `refused`, `bad_signature`, `bad_liveness`,
    /// `unknown_nonce`, `replayed_nonce`, `expired_nonce`, `nonce_missing`, `no_record`, ...
    pub kind: String,
    /// The provision IDs the refusal rests on.
    pub grounds: Vec<String>,
    /// What to tell the applicant (for N-3, the exact text).
    pub message: String,
}

/// `{"issued":false,"refusal":{...}}`, as `vrs apply --json` prints it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotIssuedBody {
    /// Always `false`.
    pub issued: bool,
    /// Why.
    #[schema(value_type = RefusalBody)]
    pub refusal: NotIssued,
}

/// An issued certificate: `vrs apply --json`'s fields, plus the content, JWS and QR text.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct IssuedBody {
    /// Always `true`.
    pub issued: bool,
    /// The certificate ID.
    pub certificate_id: String,
    /// The issuing municipality's code.
    pub issuer: String,
    /// `domestic` or `overseas`.
    pub kind: String,
    /// The files written: none through the app (an empty object).
    #[schema(value_type = Object)]
    pub files: serde_json::Value,
    /// The certificate content, as certificate.json holds it.
    #[schema(value_type = Object)]
    pub certificate: serde_json::Value,
    /// The SMART Health Card's compact JWS.
    pub jws: String,
    /// The QR text (`shc:/…`).
    pub qr: String,
}

/// Applies for a certificate with the card (and passport) data (N-1, V8, P9, A10-4).
#[utoipa::path(post, path = "/app/v1/applications", tag = "app",
    request_body = ApplicationBody,
    responses(
    (status = 201, description = "Issued", body = IssuedBody),
    (status = 400, description = "Not a well-formed application", body = crate::api::error::ErrorBody),
    (status = 403, description = "Refused: the municipality has not consented (with the exact text the app shows), a bad card, an unknown, expired or replayed nonce, no record...", body = NotIssuedBody),
    (status = 413, description = "Body over 64 KiB", body = crate::api::error::ErrorBody),
    (status = 429, description = "Over this client's --app-rate; see Retry-After", body = crate::api::error::ErrorBody),
    (status = 503, description = "Electronic issuance under an emergency stop (with the refusal), or overloaded (no body); see Retry-After", body = NotIssuedBody)))]
pub async fn applications(State(state): State<AppState>, body: Body) -> Response {
    let bytes = match Limited::new(body, MAX_APPLICATION_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return ApiError::TooLarge {
                limit: MAX_APPLICATION_BODY as u64,
            }
            .into_response()
        }
        Err(e) => return ApiError::bad(format!("the body could not be read: {e}")).into_response(),
    };
    let app = match AppApplication::from_json(&bytes) {
        Ok(a) => a,
        Err(e) => return ApiError::bad(e).into_response(),
    };
    // The card's signatures are checked here, on this request's thread, so the
    // writer (which every write of the service queues on) only decides, consumes
    // the challenge and signs.
    let checked = app.check_card(&state.card_verifier);
    let answer = state
        .vrs
        .run(move |vrs| vrs.apply_app_checked(checked))
        .await;
    match answer {
        Ok(Ok(issued)) => (StatusCode::CREATED, Json(issued)).into_response(),
        Ok(Err(refusal)) => {
            let grounds: Vec<&str> = refusal.grounds.iter().map(String::as_str).collect();
            state.metrics.refused(&grounds);
            let stopped = refusal.under_emergency_stop();
            let body = Json(NotIssuedBody {
                issued: false,
                refusal,
            });
            if stopped {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "3600")],
                    body,
                )
                    .into_response()
            } else {
                (StatusCode::FORBIDDEN, body).into_response()
            }
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(challenge, applications),
    components(schemas(
        ChallengeBody,
        ApplicationBody,
        CardBody,
        PassportBody,
        IssuedBody,
        NotIssuedBody,
        RefusalBody
    ))
)]
struct AppDoc;

/// The `/app/v1` part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    AppDoc::openapi()
}
