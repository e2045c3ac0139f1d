//! The certificate app's use cases (V8, P9, A10): a server challenge, and an application
//! whose card data signs that challenge. The app has no account: the applicant is proven
//! by the card (its signed data and its signature over a nonce this service issued).

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use vrs_certificate::certificate_document;
use vrs_consent::{challenge_expires_at, ChallengeRefusal};
use vrs_domain::{Actor, MunicipalityCode, Principal};
use vrs_identity::{CardDump, CardVerifier, IdentityError, VerifiedCardHolder};

use crate::issuance::Application;
use crate::{Caller, Issued, Kind, NotIssued, Vrs, VrsError};

/// How many live challenges the store keeps at most: beyond it, new challenges are
/// refused (the server answers 503) until old ones expire. Anonymous callers cannot
/// make the store grow without bound.
pub const MAX_LIVE_CHALLENGES: u64 = 100_000;

/// The longest card-data field accepted in an application, in bytes (the input-support
/// AP's files are a few hundred bytes; the largest, EF 0004, under 1 KiB).
const MAX_CARD_FILE: usize = 4096;

/// A challenge for the app: the card signs `nonce` (hex of 32 random bytes) before
/// `expires_at` (RFC 3339), once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    /// 32 random bytes, hex.
    pub nonce: String,
    /// When it stops being accepted (5 minutes after issue), RFC 3339 in Japan time.
    pub expires_at: String,
}

/// The passport's two MRZ lines as the app sends them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassportLines {
    /// MRZ line 1.
    pub line1: String,
    /// MRZ line 2.
    pub line2: String,
}

/// An application as the app sends it:
/// `{"municipality","kind":"domestic"|"overseas","card":{...},"passport":{"line1","line2"}}`,
/// `card` being the card data as `vrs card verify` reads it, whose `nonce` must be a live
/// challenge and `nonce_signature` the card's signature over it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppApplication {
    /// The municipality applied to (the one that holds the record).
    pub municipality: MunicipalityCode,
    /// Domestic or overseas.
    pub kind: Kind,
    /// The card's input-support AP data with the signed challenge.
    pub card: CardDump,
    /// The passport (overseas).
    #[serde(default)]
    pub passport: Option<PassportLines>,
}

impl AppApplication {
    /// Parses the JSON body, bounding every card field; the error names the field.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let app: Self = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let c = &app.card;
        for (name, len) in [
            ("card.ef0001", c.ef0001.len()),
            ("card.ef0002", c.ef0002.len()),
            ("card.ef0003", c.ef0003.len()),
            ("card.ef0004", c.ef0004.len()),
            ("card.ef0007", c.ef0007.as_ref().map_or(0, Vec::len)),
            ("card.nonce", c.nonce.as_ref().map_or(0, Vec::len)),
            (
                "card.nonce_signature",
                c.nonce_signature.as_ref().map_or(0, Vec::len),
            ),
        ] {
            if len > MAX_CARD_FILE {
                return Err(format!("{name}: longer than {MAX_CARD_FILE} bytes"));
            }
        }
        if let Some(p) = &app.passport {
            for (name, line) in [("passport.line1", &p.line1), ("passport.line2", &p.line2)] {
                // TD3 lines are 44 characters; a little slack for the reader's trailing spaces.
                if line.len() > 64 {
                    return Err(format!("{name}: longer than 64 bytes"));
                }
            }
        }
        Ok(app)
    }
}

/// What the app receives for an issued certificate: the JSON `vrs apply` prints (no
/// files are written: `files` is empty) plus the certificate content, its JWS and QR text.
#[derive(Debug, Clone, Serialize)]
pub struct AppIssued {
    /// Always `true`.
    pub issued: bool,
    /// The certificate ID.
    pub certificate_id: String,
    /// The issuing (holding) municipality's code.
    pub issuer: String,
    /// `domestic` or `overseas`.
    pub kind: String,
    /// The files written: none through the app.
    pub files: serde_json::Map<String, serde_json::Value>,
    /// The certificate content, as certificate.json holds it.
    pub certificate: serde_json::Value,
    /// The SMART Health Card's compact JWS.
    pub jws: String,
    /// The QR text (`shc:/…`).
    pub qr: String,
}

impl AppIssued {
    fn new(issued: &Issued) -> Self {
        Self {
            issued: true,
            certificate_id: issued.record.certificate_id.clone(),
            issuer: issued.record.municipality.clone(),
            kind: issued.record.kind.clone(),
            files: serde_json::Map::new(),
            certificate: certificate_document(
                &issued.content,
                &issued.shc,
                issued.vds_nc.as_deref(),
            ),
            jws: issued.shc.jws().to_owned(),
            qr: issued.shc.qr_text(),
        }
    }
}

impl NotIssued {
    /// Whether the application was refused because electronic issuance is under an
    /// emergency stop (a service answers 503, not 403).
    pub fn under_emergency_stop(&self) -> bool {
        vrs_consent::refused_by_emergency_stop(&self.grounds)
    }

    /// The refusal of a nonce that is not a live challenge (P9-1, P9-3).
    pub(crate) fn challenge(r: ChallengeRefusal) -> Self {
        Self {
            kind: r.kind().to_owned(),
            grounds: r.grounds().iter().map(|g| g.as_str().to_owned()).collect(),
            message: r.message().to_owned(),
        }
    }
}

impl Vrs {
    /// Issues a challenge for the app: 32 random bytes, kept (hashed) for 5 minutes,
    /// single use. `None` when [`MAX_LIVE_CHALLENGES`] are live (try again later).
    pub fn issue_challenge(&mut self) -> Result<Option<Challenge>, VrsError> {
        let mut nonce = [0u8; 32];
        SystemRandom::new().fill(&mut nonce).map_err(|_| {
            VrsError::Store(vrs_store::StoreError::Keyring {
                reason: "no randomness".into(),
            })
        })?;
        let now = self.now();
        let expires_at = challenge_expires_at(now);
        // Expired challenges are kept one more lifetime, so a late replay is told it
        // expired (or was used) rather than that it is unknown.
        let purge_before = now - (expires_at - now);
        if !self
            .store
            .issue_challenge(&nonce, expires_at, purge_before, MAX_LIVE_CHALLENGES)?
        {
            return Ok(None);
        }
        Ok(Some(Challenge {
            nonce: hex::encode(nonce),
            expires_at: expires_at.to_rfc3339(),
        }))
    }

    /// An application through the app (N-1, P9): the card's nonce must be a live
    /// challenge, consumed by this application whatever its outcome; liveness is
    /// demanded; `verifier` holds the only trusted card CA keys. Refusals are values
    /// (N-3 with its exact text, a bad card, an unknown, expired or replayed nonce, no
    /// record) and are audited; `Err` is only for system failures.
    pub fn apply_app(
        &mut self,
        app: &AppApplication,
        verifier: &CardVerifier,
    ) -> Result<Result<AppIssued, NotIssued>, VrsError> {
        self.apply_app_checked(app.clone().check_card(verifier))
    }

    /// [`Vrs::apply_app`] for an application whose card [`AppApplication::check_card`]
    /// verified beforehand (a server runs that beside the writer). The verification's
    /// outcome is used at the same step as in [`Vrs::apply_app`], after the rules and
    /// the challenge: the answers and the audit events are the same.
    pub fn apply_app_checked(
        &mut self,
        checked: CheckedApplication,
    ) -> Result<Result<AppIssued, NotIssued>, VrsError> {
        let CheckedApplication {
            app,
            verifier,
            card,
        } = checked;
        let application = Application {
            municipality: app.municipality,
            card: &app.card,
            passport: app
                .passport
                .as_ref()
                .map(|p| (p.line1.as_str(), p.line2.as_str())),
            kind: app.kind,
            verifier: &verifier,
        };
        // The app has no account: the application is the app's, made to the municipality
        // applied to; whoever called before is the caller again afterwards (also when
        // the application fails or panics).
        let app_caller = Caller {
            principal: Principal::Municipality(app.municipality),
            actor: Actor::App,
            role: None,
            my_number_handler: false,
        };
        let answer = self.with_caller(app_caller, |vrs| {
            vrs.apply_checked(&application, true, Some(card), |_| Ok(()))
        });
        Ok(answer?.map(|issued| AppIssued::new(&issued)))
    }
}

/// An application with its card verified (liveness demanded) against the
/// verifier it carries: made only by [`AppApplication::check_card`], so the
/// verification is always of this application's own card and nonce.
pub struct CheckedApplication {
    app: AppApplication,
    verifier: CardVerifier,
    card: Result<VerifiedCardHolder, IdentityError>,
}

impl std::fmt::Debug for CheckedApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedApplication")
            .field("municipality", &self.app.municipality)
            .field("card_verified", &self.card.is_ok())
            .finish_non_exhaustive()
    }
}

impl AppApplication {
    /// Verifies the card's signed data and its signature over the nonce (liveness
    /// demanded), against `verifier`'s trusted card CA keys only: CPU work, no
    /// store, so a server runs it off the writer. Whether the nonce is a live
    /// challenge is checked later, by [`Vrs::apply_app_checked`].
    pub fn check_card(self, verifier: &CardVerifier) -> CheckedApplication {
        let verifier = verifier.clone().require_liveness(true);
        let card = verifier.verify(&self.card);
        CheckedApplication {
            app: self,
            verifier,
            card,
        }
    }
}
