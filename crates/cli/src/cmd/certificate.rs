//! `vrs certificate verify`: checks a SMART Health Card or ICAO VDS-NC against the
//! trust list (Japan's real issuer keys plus the files given) and prints the result.
//! The verifier stores nothing it read (A10-6-1).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use vrs_certificate::{verify_jws, verify_png, verify_text, Crl, Issuer, TrustList};

use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum CertificateCmd {
    /// Verify a certificate (QR text, QR text file, JWS / .smart-health-card file, or PNG).
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["qr_text", "qr_file", "jws", "png"])))]
pub(crate) struct VerifyArgs {
    /// QR text as scanned: `shc:/...` (chunks one per line), a JWS, or VDS-NC JSON.
    #[arg(long)]
    qr_text: Option<String>,
    /// File holding QR text (one `shc:/` line per chunk).
    #[arg(long)]
    qr_file: Option<PathBuf>,
    /// File holding a compact JWS or a `.smart-health-card` JSON file.
    #[arg(long)]
    jws: Option<PathBuf>,
    /// PNG image holding the QR code(s).
    #[arg(long)]
    png: Option<PathBuf>,
    /// Extra trusted keys: `[ISS=]FILE`, a JWKS (then ISS= is required), `{"iss","keys"}`,
    /// or a directory `{"issuers":[...]}` as `vrs keys directory` prints it. Repeatable.
    #[arg(long, value_name = "[ISS=]FILE")]
    jwks: Vec<String>,
    /// Revocation list (SHC CRL JSON), matched to keys by kid. Repeatable.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// Trusted CSCA certificate (DER or PEM) for VDS-NC barcode signers. Repeatable.
    #[arg(long, value_name = "FILE")]
    csca: Vec<PathBuf>,
    /// Verification time in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<f64>,
    /// Accept a card whose key declares crlVersion without its revocation list (a
    /// warning). Without this flag such a card is not valid: "revocation status unknown".
    #[arg(long)]
    no_revocation_check: bool,
}

pub(crate) fn run(cmd: CertificateCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    match cmd {
        CertificateCmd::Verify(args) => verify(args, ctx),
    }
}

fn read_file(flag: &str, path: &Path) -> Result<Vec<u8>, BadInput> {
    std::fs::read(path).map_err(|e| BadInput(format!("--{flag} {}: {e}", path.display())))
}

fn read_text(flag: &str, path: &Path) -> Result<String, BadInput> {
    String::from_utf8(read_file(flag, path)?)
        .map_err(|_| BadInput(format!("--{flag} {}: not UTF-8 text", path.display())))
}

/// The trust list: Japan's real issuer keys and, when the data directory is
/// initialised, this instance's issuers with their revocation lists; then the
/// files given on the command line.
fn trust_list(args: &VerifyArgs, ctx: &Ctx) -> Result<TrustList, BadInput> {
    let instance = if ctx.data_dir.join(vrs::store::DB_FILE).exists() {
        super::common::open(ctx)
            .ok()
            .and_then(|v| v.trust_list().ok())
    } else {
        None
    };
    let mut trust = instance.unwrap_or_else(TrustList::japan);
    for spec in &args.jwks {
        let (iss, file) = match spec.split_once('=') {
            Some((iss, file)) if iss.starts_with("https://") || iss.starts_with("http://") => {
                (Some(Issuer::from_url(iss)), file)
            }
            _ => (None, spec.as_str()),
        };
        let text = read_text("jwks", Path::new(file))?;
        trust
            .add_trust_json(&text, iss)
            .map_err(|e| BadInput(format!("--jwks {file}: {e}")))?;
    }
    for path in &args.crl {
        let text = read_text("crl", path)?;
        let crl = Crl::from_json(&text)
            .map_err(|e| BadInput(format!("--crl {}: {e}", path.display())))?;
        trust.add_crl(crl);
    }
    if args.no_revocation_check {
        trust.skip_revocation_check();
    }
    for path in &args.csca {
        let bytes = read_file("csca", path)?;
        let der = pem_or_der(&bytes).ok_or_else(|| {
            BadInput(format!(
                "--csca {}: not a PEM or DER certificate",
                path.display()
            ))
        })?;
        trust.add_csca_der(der);
    }
    Ok(trust)
}

fn pem_or_der(bytes: &[u8]) -> Option<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Some(bytes.to_vec());
    };
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Some(bytes.to_vec());
    }
    let b64: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The refusal shape: `{"valid":false,"errors":[{"code","message"}]}`.
#[derive(serde::Serialize)]
struct Refused {
    valid: bool,
    errors: Vec<vrs_certificate::VerifyError>,
}

fn verify(args: VerifyArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    let trust = trust_list(&args, ctx)?;
    let at = match args.at {
        Some(at) if at.is_finite() && at >= 0.0 => at,
        Some(_) => return Err(BadInput("--at: expected Unix seconds".into()).into()),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs_f64(),
    };
    let result = if let Some(text) = &args.qr_text {
        verify_text(text, &trust, at)
    } else if let Some(path) = &args.qr_file {
        verify_text(&read_text("qr-file", path)?, &trust, at)
    } else if let Some(path) = &args.jws {
        let text = read_text("jws", path)?;
        if text.trim_start().starts_with('{') {
            verify_text(&text, &trust, at)
        } else {
            verify_jws(&text, &trust, at)
        }
    } else if let Some(path) = &args.png {
        verify_png(&read_file("png", path)?, &trust, at)
    } else {
        return Err(
            BadInput("one of --qr-text, --qr-file, --jws, --png is required".into()).into(),
        );
    };
    match result {
        Ok(card) => {
            ctx.print(&card)?;
            Ok(Exit::Ok)
        }
        Err(errors) => {
            ctx.print(&Refused {
                valid: false,
                errors,
            })?;
            Ok(Exit::Refused)
        }
    }
}
