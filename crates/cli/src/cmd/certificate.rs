//! `vrs certificate verify`: checks a SMART Health Card or ICAO VDS-NC against the
//! trust list (Japan's real issuer keys plus the files given) and prints the result.
//! The verifier stores nothing it read (A10-6-1).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use vrs_certificate::{
    verify_jws, verify_png, verify_text, Crl, Format, Issuer, TrustList, VerifiedCard,
    MAX_PNG_BYTES, MAX_VERIFY_TEXT,
};

use crate::output::{count, or_dash, Doc, Human, Reply};
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

pub(crate) fn run(cmd: CertificateCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        CertificateCmd::Verify(args) => verify(args, ctx),
    }
}

/// Largest trust file (JWKS, directory, CRL, CSCA certificate) read.
const MAX_TRUST_FILE: usize = 4 * 1024 * 1024;

/// Reads at most `max` bytes of a file: a larger one is bad input, refused
/// without being read whole (every verifier input runs in bounded memory).
fn read_file(flag: &str, path: &Path, max: usize) -> Result<Vec<u8>, BadInput> {
    let bad = |e: std::io::Error| BadInput(format!("--{flag} {}: {e}", path.display()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(bad)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(bad)?;
    if bytes.len() > max {
        return Err(BadInput(format!(
            "--{flag} {}: larger than {max} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

fn read_text(flag: &str, path: &Path, max: usize) -> Result<String, BadInput> {
    String::from_utf8(read_file(flag, path, max)?)
        .map_err(|_| BadInput(format!("--{flag} {}: not UTF-8 text", path.display())))
}

/// The trust list: Japan's real issuer keys and, when the data directory is
/// initialised, this instance's issuers with their revocation lists; then the
/// files given on the command line.
fn trust_list(args: &VerifyArgs, ctx: &Ctx) -> Result<TrustList, BadInput> {
    let instance = if ctx.data_dir.join(vrs::DB_FILE).exists() {
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
        let text = read_text("jwks", Path::new(file), MAX_TRUST_FILE)?;
        trust
            .add_trust_json(&text, iss)
            .map_err(|e| BadInput(format!("--jwks {file}: {e}")))?;
    }
    for path in &args.crl {
        let text = read_text("crl", path, MAX_TRUST_FILE)?;
        let crl = Crl::from_json(&text)
            .map_err(|e| BadInput(format!("--crl {}: {e}", path.display())))?;
        trust.add_crl(crl);
    }
    if args.no_revocation_check {
        trust.skip_revocation_check();
    }
    for path in &args.csca {
        let bytes = read_file("csca", path, MAX_TRUST_FILE)?;
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

fn verify(args: VerifyArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
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
        verify_text(&read_text("qr-file", path, MAX_VERIFY_TEXT)?, &trust, at)
    } else if let Some(path) = &args.jws {
        let text = read_text("jws", path, MAX_VERIFY_TEXT)?;
        if text.trim_start().starts_with('{') {
            verify_text(&text, &trust, at)
        } else {
            verify_jws(&text, &trust, at)
        }
    } else if let Some(path) = &args.png {
        verify_png(&read_file("png", path, MAX_PNG_BYTES)?, &trust, at)
    } else {
        return Err(
            BadInput("one of --qr-text, --qr-file, --jws, --png is required".into()).into(),
        );
    };
    Ok(match result {
        Ok(card) => Reply::ok(card),
        Err(errors) => {
            // Input that is not a card at all (a malformed QR text, JWS, image or
            // seal) is bad input; a card that fails a check is refused.
            let malformed = errors
                .iter()
                .all(|e| e.code == vrs::certificate::VerifyCode::Malformed);
            Reply::exit(
                Refused {
                    valid: false,
                    errors,
                },
                if malformed {
                    Exit::BadInput
                } else {
                    Exit::Refused
                },
            )
        }
    })
}

impl Human for Refused {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{}: the certificate fails verification",
            doc.bad("not valid")
        ));
        doc.table(
            &["code", "why"],
            self.errors
                .iter()
                .map(|e| vec![e.code.to_string(), e.message.clone()])
                .collect(),
        );
    }
}

impl Human for VerifiedCard {
    fn human(&self, doc: &mut Doc) {
        let format = match self.format {
            Format::Shc => "SMART Health Card",
            Format::VdsNc => "ICAO VDS-NC",
        };
        doc.line(format!(
            "{}: {format} signed by {} ({})",
            doc.good("valid"),
            self.iss,
            count(self.doses.len() as u64, "dose", "doses")
        ));
        doc.fields(&[
            ("name", self.name.as_str()),
            ("birth date", self.birth_date.as_str()),
            ("key id", self.kid.as_str()),
        ]);
        doc.table(
            &["no.", "date", "vaccine", "lot", "performer"],
            self.doses
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    vec![
                        d.dose_number.unwrap_or(i as u64 + 1).to_string(),
                        d.date.clone(),
                        d.vaccine
                            .clone()
                            .or_else(|| d.cvx.as_ref().map(|c| format!("CVX {c}")))
                            .unwrap_or_else(|| "-".into()),
                        or_dash(d.lot.as_ref()),
                        or_dash(d.performer.as_ref().or(d.country.as_ref())),
                    ]
                })
                .collect(),
        );
        for w in &self.warnings {
            doc.line(format!("warning: {w}"));
        }
    }
}
