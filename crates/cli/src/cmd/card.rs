//! `vrs card verify FILE [--ca-keys FILE] [--require-liveness]`: check a card dump's signature chain.

use std::path::PathBuf;

use clap::Subcommand;
use vrs_identity::{CardDump, CardVerifier, IdentityError, TrustAnchors};

use crate::output::{yes_no, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum CardCmd {
    /// Verify a card dump (JSON with hex EF 0001–0004, optional EF 0007, nonce and
    /// nonce_signature) up to a pinned CA key. Exit 0 valid, 1 not valid, 2 bad input.
    Verify {
        /// The card dump JSON file.
        file: PathBuf,
        /// Extra trust anchors, a JSON file shaped like card-ca-keys.json (e.g.
        /// fixtures/cards/test-ca.json); added to the pinned 5000033 and 6000033 keys.
        #[arg(long)]
        ca_keys: Option<PathBuf>,
        /// Fail unless the card signed the dump's nonce (liveness, P9-1).
        #[arg(long)]
        require_liveness: bool,
    },
}

fn read(path: &PathBuf) -> Result<String, BadInput> {
    std::fs::read_to_string(path).map_err(|e| BadInput(format!("{}: {e}", path.display())))
}

pub(crate) fn run(cmd: CardCmd, _ctx: &Ctx) -> anyhow::Result<Reply> {
    let CardCmd::Verify {
        file,
        ca_keys,
        require_liveness,
    } = cmd;
    let dump = CardDump::from_json(&read(&file)?)
        .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
    let mut anchors = TrustAnchors::card_defaults();
    if let Some(path) = ca_keys {
        let extra = TrustAnchors::from_json(&read(&path)?)
            .map_err(|e| BadInput(format!("--ca-keys {}: {e}", path.display())))?;
        anchors.extend(extra);
    }
    let verifier = CardVerifier::new(anchors).require_liveness(require_liveness);
    match verifier.verify(&dump) {
        Ok(h) => {
            let human = CardView::Valid {
                liveness: h.liveness(),
                fields: vec![
                    ("name", h.name().to_string()),
                    ("address", h.address().to_string()),
                    ("birth date", h.birth_date().to_string()),
                    ("sex", h.sex().as_str().to_owned()),
                    ("My Number", format!("{} (masked)", h.my_number().masked())),
                ],
            };
            let json = serde_json::json!({
                "valid": true,
                "liveness": h.liveness(),
                "holder": {
                    "name": h.name().to_string(),
                    "address": h.address(),
                    "birth_date": h.birth_date().to_string(),
                    "sex": h.sex().as_str(),
                    "my_number": h.my_number().masked(),
                },
            });
            Ok(Reply::ok(Shaped::new(json, human)))
        }
        Err(
            e @ (IdentityError::Malformed { .. }
            | IdentityError::HashMismatch { .. }
            | IdentityError::BadSignature
            | IdentityError::BadCertificate { .. }
            | IdentityError::UnknownCa { .. }
            | IdentityError::BadLiveness { .. }),
        ) => {
            let json = serde_json::json!({
                "valid": false,
                "error": { "kind": e.kind(), "detail": e.to_string() },
            });
            let human = CardView::Invalid {
                kind: e.kind().to_owned(),
                detail: e.to_string(),
            };
            Ok(Reply::exit(Shaped::new(json, human), Exit::Refused))
        }
        Err(e) => Err(e.into()),
    }
}

/// The verification's result for people (the My Number masked).
enum CardView {
    Valid {
        liveness: bool,
        fields: Vec<(&'static str, String)>,
    },
    Invalid {
        kind: String,
        detail: String,
    },
}

impl Human for CardView {
    fn human(&self, doc: &mut Doc) {
        match self {
            Self::Valid { liveness, fields } => {
                doc.line(format!(
                    "{}: the card data verifies up to a pinned CA key; liveness proof: {}",
                    doc.good("valid"),
                    yes_no(*liveness)
                ));
                doc.fields(fields);
            }
            Self::Invalid { kind, detail } => {
                doc.line(format!("{} ({kind}): {detail}", doc.bad("not valid")));
            }
        }
    }
}
