//! `vrs init [--issuer-base-url URL]`: create or complete a data directory.

use clap::Args;
use vrs::{SystemClock, Vrs};

use crate::{BadInput, Ctx, Exit};

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// Base URL of certificate issuers; each municipality's `iss` is this URL + `/` + its code.
    #[arg(long)]
    issuer_base_url: Option<String>,
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
    let report = Vrs::init(&ctx.data_dir, args.issuer_base_url.as_deref(), &SystemClock)?;
    ctx.print(&report)?;
    Ok(Exit::Ok)
}
