//! `vrs apply`: a person's application for a vaccination certificate with the
//! My Number card's input-support AP data (and the passport's MRZ for overseas).

use std::path::{Path, PathBuf};

use clap::Args;
use vrs::certificate::{certificate_document, encode_bytes, encode_shc};
use vrs::domain::MunicipalityCode;
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{Application, Kind};

use super::common::open;
use crate::{BadInput, Ctx, Exit};

#[derive(Args, Debug)]
pub(crate) struct ApplyArgs {
    /// The municipality applied to (the one that holds the record).
    #[arg(long)]
    municipality: String,
    /// The card dump JSON (input-support AP).
    #[arg(long)]
    card: PathBuf,
    /// Passport MRZ line 1 (overseas).
    #[arg(long, requires = "passport_line2")]
    passport_line1: Option<String>,
    /// Passport MRZ line 2 (overseas).
    #[arg(long, requires = "passport_line1")]
    passport_line2: Option<String>,
    /// domestic or overseas (default: overseas when a passport is given).
    #[arg(long)]
    kind: Option<String>,
    /// More card CA trust anchors (JSON shaped like card-ca-keys.json).
    #[arg(long)]
    ca_keys: Option<PathBuf>,
    /// Refuse a card read without a liveness proof (nonce signature).
    #[arg(long)]
    require_liveness: bool,
    /// Where to write certificate.json, .svg, .png and .html.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: ApplyArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    let municipality = MunicipalityCode::parse_municipality(&args.municipality)
        .map_err(|e| BadInput(format!("--municipality: {e}")))?;
    let card_text = std::fs::read_to_string(&args.card)
        .map_err(|e| BadInput(format!("--card {}: {e}", args.card.display())))?;
    let card = CardDump::from_json(&card_text).map_err(|e| BadInput(format!("--card: {e}")))?;
    let mut anchors = TrustAnchors::card_defaults();
    if let Some(path) = &args.ca_keys {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BadInput(format!("--ca-keys {}: {e}", path.display())))?;
        anchors.extend(
            TrustAnchors::from_json(&text).map_err(|e| BadInput(format!("--ca-keys: {e}")))?,
        );
    }
    let verifier = CardVerifier::new(anchors).require_liveness(args.require_liveness);
    let passport = args
        .passport_line1
        .as_deref()
        .zip(args.passport_line2.as_deref());
    let kind = match (args.kind.as_deref(), passport) {
        (Some("domestic"), _) => Kind::Domestic,
        (Some("overseas"), _) | (None, Some(_)) => Kind::Overseas,
        (None, None) => Kind::Domestic,
        (Some(other), _) => {
            return Err(BadInput(format!("--kind: {other:?} is not domestic or overseas")).into())
        }
    };
    let mut vrs = open(ctx)?;
    let app = Application {
        municipality,
        card: &card,
        passport,
        kind,
        verifier: &verifier,
    };
    match vrs.apply(&app)? {
        Err(refusal) => {
            ctx.print(&serde_json::json!({ "issued": false, "refusal": refusal }))?;
            Ok(Exit::Refused)
        }
        Ok(issued) => {
            std::fs::create_dir_all(&args.out)?;
            let files = write_files(&args.out, &issued)?;
            ctx.print(&serde_json::json!({
                "issued": true,
                "certificate_id": issued.record.certificate_id,
                "issuer": issued.record.municipality,
                "kind": issued.record.kind,
                "files": files,
            }))?;
            Ok(Exit::Ok)
        }
    }
}

/// Writes certificate.json, certificate.svg, certificate.png and certificate.html.
pub(crate) fn write_files(dir: &Path, issued: &vrs::Issued) -> anyhow::Result<serde_json::Value> {
    let qr = encode_shc(&issued.shc.qr_text())?;
    let vds_svg = issued
        .vds_nc
        .as_deref()
        .map(|v| encode_bytes(v).map(|q| q.to_svg()))
        .transpose()?;
    let doc = certificate_document(&issued.content, &issued.shc, issued.vds_nc.as_deref());
    let paths = [
        ("json", "certificate.json"),
        ("svg", "certificate.svg"),
        ("png", "certificate.png"),
        ("html", "certificate.html"),
    ];
    let svg = qr.to_svg();
    std::fs::write(
        dir.join(paths[0].1),
        serde_json::to_string_pretty(&doc)? + "\n",
    )?;
    std::fs::write(dir.join(paths[1].1), &svg)?;
    std::fs::write(dir.join(paths[2].1), qr.to_png(8)?)?;
    std::fs::write(
        dir.join(paths[3].1),
        vrs::certificate::render_html(&issued.content, &svg, vds_svg.as_deref()),
    )?;
    let mut files = serde_json::Map::new();
    for (k, f) in paths {
        files.insert(k.into(), dir.join(f).display().to_string().into());
    }
    Ok(files.into())
}
