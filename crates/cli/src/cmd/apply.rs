//! `vrs apply`: a person's application for a vaccination certificate with the
//! My Number card's input-support AP data (and the passport's MRZ for overseas).

use std::path::{Path, PathBuf};

use clap::Args;
use vrs::certificate::{certificate_document, encode_bytes, encode_shc};
use vrs::domain::MunicipalityCode;
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{create_private_dir, OutputError, OutputFile};
use vrs::{Application, Kind, VrsError};

use super::common::open;
use crate::output::{cite_all, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

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
    /// The directory to write certificate.json, .svg, .png, .html and .smart-health-card into (new files; see --force).
    #[arg(long)]
    out: PathBuf,
    /// Replace existing certificate files in --out.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: ApplyArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
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
    // The outputs are checked before anything is signed or recorded.
    let files = CertificateFiles::prepare(&args.out, args.force)
        .map_err(|e| super::common::output_error("out", e))?;
    let mut vrs = open(ctx)?;
    let app = Application {
        municipality,
        card: &card,
        passport,
        kind,
        verifier: &verifier,
    };
    let mut written = None;
    // The files are written before the issuance is committed: a failed write
    // leaves no row in the issuance history.
    let answer = vrs
        .apply_delivering(&app, |issued| {
            written = Some(files.write(issued)?);
            Ok(())
        })
        .map_err(|e| super::common::vrs_error("out", e))?;
    match answer {
        Err(refusal) => Ok(Reply::refused(Shaped::new(
            serde_json::json!({ "issued": false, "refusal": refusal }),
            NotIssuedView(refusal),
        ))),
        Ok(issued) => {
            let json = serde_json::json!({
                "issued": true,
                "certificate_id": issued.record.certificate_id,
                "issuer": issued.record.municipality,
                "kind": issued.record.kind,
                "files": written.clone().unwrap_or_default(),
            });
            let files = written
                .as_ref()
                .and_then(|w| w.as_object())
                .map(|m| {
                    m.values()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Reply::ok(Shaped::new(json, IssuedView(issued, files))))
        }
    }
}

/// The four files of a certificate, checked and opened (as temporary files)
/// before it is signed, moved into place once all are written.
pub(crate) struct CertificateFiles {
    files: Vec<(&'static str, OutputFile)>,
}

impl CertificateFiles {
    /// Creates `dir` (0700) if needed and checks each file can be written there.
    pub(crate) fn prepare(dir: &Path, force: bool) -> Result<Self, OutputError> {
        create_private_dir(dir).map_err(|source| OutputError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let files = [
            ("json", "certificate.json"),
            ("svg", "certificate.svg"),
            ("png", "certificate.png"),
            ("html", "certificate.html"),
            // The SMART Health Cards spec's file download: {"verifiableCredential":[JWS]}.
            ("smart-health-card", "certificate.smart-health-card"),
        ]
        .into_iter()
        .map(|(k, name)| Ok((k, OutputFile::create(&dir.join(name), force, &[])?)))
        .collect::<Result<_, OutputError>>()?;
        Ok(Self { files })
    }

    /// Writes certificate.json, certificate.svg, certificate.png, certificate.html and
    /// certificate.smart-health-card, then moves them into place.
    pub(crate) fn write(self, issued: &vrs::Issued) -> Result<serde_json::Value, VrsError> {
        let qr = encode_shc(&issued.shc.qr_text()).map_err(VrsError::Certificate)?;
        let vds_svg = issued
            .vds_nc
            .as_deref()
            .map(|v| encode_bytes(v).map(|q| q.to_svg()))
            .transpose()
            .map_err(VrsError::Certificate)?;
        let doc = certificate_document(&issued.content, &issued.shc, issued.vds_nc.as_deref());
        let svg = qr.to_svg();
        let json = serde_json::to_string_pretty(&doc).map_err(|e| VrsError::Io {
            path: "certificate.json".into(),
            source: std::io::Error::other(e),
        })? + "\n";
        let png = qr.to_png(8).map_err(VrsError::Certificate)?;
        let html = vrs::certificate::render_html(&issued.content, &svg, vds_svg.as_deref());
        let shc_file = issued.shc.to_file_json();
        let mut out = serde_json::Map::new();
        let mut ready = Vec::new();
        for (k, mut file) in self.files {
            let bytes: &[u8] = match k {
                "json" => json.as_bytes(),
                "svg" => svg.as_bytes(),
                "png" => &png,
                "smart-health-card" => shc_file.as_bytes(),
                _ => html.as_bytes(),
            };
            file.write_all(bytes)?;
            ready.push((k, file));
        }
        for (k, file) in ready {
            out.insert(k.into(), file.commit()?.display().to_string().into());
        }
        Ok(out.into())
    }
}

/// Writes the certificate files (see [`CertificateFiles::write`]) into `dir` (new files only).
pub(crate) fn write_files(dir: &Path, issued: &vrs::Issued) -> anyhow::Result<serde_json::Value> {
    Ok(CertificateFiles::prepare(dir, false)?.write(issued)?)
}

/// Why no certificate was issued, for people: `refused: N-3 (本文 3) …`.
struct NotIssuedView(vrs::NotIssued);

impl Human for NotIssuedView {
    fn human(&self, doc: &mut Doc) {
        let label = doc.bad("refused:");
        doc.line(format!(
            "{label} {} ({}): {}",
            cite_all(&self.0.grounds),
            self.0.kind,
            self.0.message
        ));
    }
}

/// An issued certificate and the files written, for people.
struct IssuedView(vrs::Issued, Vec<String>);

impl Human for IssuedView {
    fn human(&self, doc: &mut Doc) {
        let r = &self.0.record;
        let issuer = r
            .municipality
            .parse::<MunicipalityCode>()
            .map(|m| format!("{m} {}", m.info().name))
            .unwrap_or_else(|_| r.municipality.clone());
        doc.line(format!(
            "issued {} certificate {} by {issuer} (key {})",
            r.kind, r.certificate_id, r.kid
        ));
        doc.fields(&[
            ("name", r.name.as_str()),
            ("birth date", r.birth_date.as_str()),
            ("doses", &self.0.content.doses().len().to_string()),
        ]);
        if self.0.vds_nc.is_some() {
            doc.line("with an ICAO VDS-NC barcode");
        }
        for f in &self.1 {
            doc.line(format!("wrote {f}"));
        }
    }
}
