//! `vrs keys jwks|directory|rotate|crl|vds-signer`: each municipality's certificate signing keys (T1-4-2).

use clap::Subcommand;
use vrs::domain::{MunicipalityCode, Principal};
use vrs::Answer;

use super::common::{open, parse_flag, refused};
use crate::{Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum KeysCmd {
    /// Print a municipality's JWKS (creates its first key when it has none).
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
        /// The key id.
        #[arg(long)]
        kid: String,
    },
    /// The ICAO VDS-NC barcode signer of overseas certificates (import, csr, show).
    #[command(subcommand)]
    VdsSigner(super::vds_signer::VdsSignerCmd),
}

fn municipality(value: &str) -> anyhow::Result<MunicipalityCode> {
    super::common::municipality_arg("municipality", value)
}

pub(crate) fn run(cmd: KeysCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    let mut vrs = open(ctx)?;
    match cmd {
        KeysCmd::Jwks { municipality: m } => {
            let jwks = vrs.jwks(municipality(&m)?)?;
            ctx.print(&jwks)?;
        }
        KeysCmd::Directory => ctx.print(&vrs.key_directory()?)?,
        KeysCmd::Rotate {
            principal,
            municipality: m,
        } => {
            let p: Principal = parse_flag("as", &principal)?;
            match vrs.rotate_key(p, municipality(&m)?)? {
                Answer::Done(jwks) => ctx.print(&jwks)?,
                Answer::Refused(r) => return refused(ctx, &r),
            }
        }
        KeysCmd::Crl { kid } => {
            let crl = vrs.crl(&kid)?;
            let value: serde_json::Value = serde_json::from_str(&crl.to_json())?;
            ctx.print(&value)?;
        }
        KeysCmd::VdsSigner(cmd) => return super::vds_signer::run(cmd, &mut vrs, ctx),
    }
    Ok(Exit::Ok)
}
