//! `vrs keys vds-signer import|csr|show`: the ICAO VDS-NC barcode signer that every
//! overseas certificate needs (S-2-14), configured on purpose by the operator.

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use clap::Subcommand;
use vrs::certificate::icao::{SignerInfo, SignerSubject};
use vrs::domain::Principal;
use vrs::OutputFile;
use vrs::{Answer, Vrs, VrsError};

use super::common::{answer, output_error, parse_flag, refused};
use crate::output::{Doc, Human, Reply, Shaped};
use crate::BadInput;

#[derive(Subcommand, Debug)]
pub(crate) enum VdsSignerCmd {
    /// Seal a barcode signer's key and certificate in the keyring (the files can then be deleted).
    Import {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// The signer's private key, PKCS#8 DER (default: the key of the last `csr`).
        #[arg(long)]
        key: Option<PathBuf>,
        /// The signer's X.509 certificate from the CSCA, DER.
        #[arg(long)]
        cert: PathBuf,
    },
    /// Make a new signer key (kept sealed) and a PKCS#10 request for the national CSCA.
    Csr {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// The subject, e.g. "C=JP,O=Digital Agency,CN=VRS Barcode Signer 1".
        #[arg(long)]
        subject: String,
        /// Also write the request (DER) to this new file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the configured signer certificate's subject, validity and CSCA.
    Show,
}

fn read(flag: &str, path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| BadInput(format!("--{flag} {}: {e}", path.display())).into())
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// An RFC 3339 time for people: `2025-01-01 00:00 UTC` (X.509 times are UTC);
/// anything else is shown as it is.
fn readable_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

impl Human for SignerInfo {
    fn human(&self, doc: &mut Doc) {
        doc.line("VDS-NC barcode signer (overseas certificates, S-2-14)");
        let validity = format!(
            "{} .. {}",
            readable_time(&self.not_before),
            readable_time(&self.not_after)
        );
        doc.fields(&[
            ("subject", self.subject.as_str()),
            ("CSCA", self.csca.as_str()),
            ("serial", self.serial.as_str()),
            ("valid", validity.as_str()),
        ]);
    }
}

/// A certificate request, for people: the PEM to send to the CSCA.
struct RequestView {
    pem: String,
    out: Option<String>,
}

impl Human for RequestView {
    fn human(&self, doc: &mut Doc) {
        doc.line(
            "a new barcode signer key is sealed in the keyring; send this request to the CSCA,",
        );
        doc.line("then: vrs keys vds-signer import --as operator --cert CERT.der");
        if let Some(out) = &self.out {
            doc.line(format!("request written to {out}"));
        }
        doc.raw(&self.pem);
    }
}

pub(crate) fn run(cmd: VdsSignerCmd, vrs: &mut Vrs) -> anyhow::Result<Reply> {
    Ok(match cmd {
        VdsSignerCmd::Import {
            principal,
            key,
            cert,
        } => {
            let p: Principal = parse_flag("as", &principal)?;
            let key = key.as_ref().map(|k| read("key", k)).transpose()?;
            let cert = read("cert", &cert)?;
            match vrs.import_vds_signer(p, key.as_deref(), &cert) {
                Ok(a) => answer(a, Reply::ok),
                Err(VrsError::Certificate(e)) => return Err(BadInput(e.to_string()).into()),
                Err(e) => return Err(e.into()),
            }
        }
        VdsSignerCmd::Csr {
            principal,
            subject,
            out,
        } => {
            let p: Principal = parse_flag("as", &principal)?;
            let subject: SignerSubject = parse_flag("subject", &subject)?;
            // The output is checked before a key is made.
            let mut file = out
                .as_ref()
                .map(|path| {
                    OutputFile::create(path, false, &[]).map_err(|e| output_error("out", e))
                })
                .transpose()?;
            let out = out.map(|p| p.display().to_string());
            match vrs.vds_signer_request(p, &subject)? {
                Answer::Refused(r) => refused(r),
                Answer::Done(req) => {
                    if let Some(mut f) = file.take() {
                        f.write_all(&req.csr_der)?;
                        f.commit()?;
                    }
                    let pem = pem("CERTIFICATE REQUEST", &req.csr_der);
                    Reply::ok(Shaped::new(
                        serde_json::json!({ "request_pem": pem, "out": out }),
                        RequestView { pem, out },
                    ))
                }
            }
        }
        VdsSignerCmd::Show => match vrs.vds_signer_info()? {
            Some(info) => Reply::ok(info),
            None => {
                return Err(BadInput(
                    "no VDS-NC barcode signer is configured (vrs keys vds-signer import)".into(),
                )
                .into())
            }
        },
    })
}
