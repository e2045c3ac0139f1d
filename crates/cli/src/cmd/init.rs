//! `vrs init [--issuer-base-url URL] [--force]`: create or complete a data directory.

use clap::Args;
use vrs::store::StoreError;
use vrs::{SystemClock, Vrs, VrsError};

use crate::{BadInput, Ctx, Exit};

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// Base URL of certificate issuers; each municipality's `iss` is this URL + `/` + its code.
    #[arg(long)]
    issuer_base_url: Option<String>,
    /// Change the issuer base URL of a live data directory (changes every issuer and
    /// invalidates every certificate issued; audited).
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: InitArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    if let Some(url) = &args.issuer_base_url {
        if !url.starts_with("https://") || url.ends_with('/') {
            return Err(BadInput(format!(
                "--issuer-base-url: {url:?} must start with https:// and not end with /"
            ))
            .into());
        }
    }
    match Vrs::init_with(
        &ctx.data_dir,
        args.issuer_base_url.as_deref(),
        args.force,
        &SystemClock,
    ) {
        Ok(report) => {
            ctx.print(&report)?;
            Ok(Exit::Ok)
        }
        Err(VrsError::Store(e @ StoreError::IssuerBaseUrlChange { .. })) => {
            Err(BadInput(format!("--issuer-base-url: {e}")).into())
        }
        Err(e) => Err(e.into()),
    }
}
