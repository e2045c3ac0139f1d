//! `vrs keys jwks|directory|rotate|crl|vds-signer`: each municipality's certificate signing keys (T1-4-2).

use clap::Subcommand;
use vrs::certificate::{Crl, Directory, Jwk, Jwks};
use vrs::domain::{MunicipalityCode, Principal};

use super::common::{answer, open, parse_flag};
use crate::output::{or_dash, Doc, Human, Reply, Shaped};
use crate::Ctx;

#[derive(Subcommand, Debug)]
pub(crate) enum KeysCmd {
    /// Print a municipality's JWKS (creates its first key when it has none and consents to electronic issuance).
    Jwks {
        /// The issuing municipality's code.
        #[arg(long)]
        municipality: String,
    },
    /// Print every issuer's JWKS, for verifiers.
    Directory,
    /// Replace a municipality's signing key (operator only); the old public key stays published.
    Rotate {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// The issuing municipality's code.
        #[arg(long)]
        municipality: String,
    },
    /// Print the revocation list of one key.
    Crl {
        /// The key id (a base64url thumbprint, which may begin with '-').
        #[arg(long, allow_hyphen_values = true)]
        kid: String,
    },
    /// The ICAO VDS-NC barcode signer of overseas certificates (import, csr, show).
    #[command(subcommand)]
    VdsSigner(super::vds_signer::VdsSignerCmd),
}

fn municipality(value: &str) -> anyhow::Result<MunicipalityCode> {
    super::common::municipality_arg("municipality", value)
}

pub(crate) fn run(cmd: KeysCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    let mut vrs = open(ctx)?;
    Ok(match cmd {
        KeysCmd::Jwks { municipality: m } => answer(vrs.jwks(municipality(&m)?)?, Reply::ok),
        KeysCmd::Directory => Reply::ok(vrs.key_directory()?),
        KeysCmd::Rotate {
            principal,
            municipality: m,
        } => {
            let p: Principal = parse_flag("as", &principal)?;
            answer(vrs.rotate_key(p, municipality(&m)?)?, Reply::ok)
        }
        KeysCmd::Crl { kid } => {
            let crl = vrs.crl(&kid)?;
            let value: serde_json::Value = serde_json::from_str(&crl.to_json())?;
            Reply::ok(Shaped::new(value, CrlView(crl)))
        }
        KeysCmd::VdsSigner(cmd) => super::vds_signer::run(cmd, &mut vrs)?,
    })
}

fn key_rows<'a>(iss: Option<&str>, keys: impl Iterator<Item = &'a Jwk>) -> Vec<Vec<String>> {
    keys.map(|k| {
        let mut row: Vec<String> = iss.map(str::to_owned).into_iter().collect();
        row.extend([
            k.kid.clone(),
            or_dash(k.alg.as_ref()),
            k.crv.clone(),
            or_dash(k.crl_version),
        ]);
        row
    })
    .collect()
}

impl Human for Jwks {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{} signing {} (current and retired; retired keys stay published)",
            self.keys.len(),
            if self.keys.len() == 1 { "key" } else { "keys" }
        ));
        doc.table(
            &["kid", "alg", "crv", "crl version"],
            key_rows(None, self.keys.iter()),
        );
        doc.line("the JWKS document to publish: the same command with --json");
    }
}

impl Human for Directory {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{} {}",
            self.issuers.len(),
            if self.issuers.len() == 1 {
                "issuer"
            } else {
                "issuers"
            }
        ));
        let rows = self
            .issuers
            .iter()
            .flat_map(|e| key_rows(Some(e.iss.as_str()), e.keys.iter()))
            .collect();
        doc.table(&["issuer", "kid", "alg", "crv", "crl version"], rows);
        doc.line(
            "the directory for verifiers (certificate verify --jwks): the same command with --json",
        );
    }
}

/// A revocation list, for people.
struct CrlView(Crl);

impl Human for CrlView {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "revocation list of key {}, version {}: {} revoked",
            self.0.kid,
            self.0.ctr,
            self.0.rids.len()
        ));
        doc.table(
            &["rid", "issued before"],
            self.0
                .rids
                .iter()
                .map(|r| {
                    vec![
                        r.rid.as_str().to_owned(),
                        r.before
                            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                            .map(|t| {
                                t.with_timezone(&vrs::jst())
                                    .format("%Y-%m-%d %H:%M")
                                    .to_string()
                            })
                            .unwrap_or_else(|| "(all)".into()),
                    ]
                })
                .collect(),
        );
    }
}
