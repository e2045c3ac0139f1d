//! `vrs init [--database postgres://...] [--issuer-base-url URL] [--force]`: create or
//! complete a data directory.

use clap::Args;
use vrs::StoreError;
use vrs::{SystemClock, Vrs, VrsError};

use crate::output::{yes_no, Doc, Human, Reply};
use crate::{BadInput, Ctx};

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// Base URL of certificate issuers; each municipality's `iss` is this URL + `/` + its code.
    #[arg(long)]
    issuer_base_url: Option<String>,
    /// Change the issuer base URL of a live data directory (changes every issuer and
    /// invalidates every certificate issued; audited).
    #[arg(long)]
    force: bool,
    /// Keep the data in PostgreSQL (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]`)
    /// instead of SQLite in the data directory; the directory keeps the keyring and the URL
    /// without its password (give it later through VRS_DATABASE_URL or a passfile).
    #[arg(long, env = "VRS_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
}

pub(crate) fn run(args: InitArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    if let Some(url) = &args.issuer_base_url {
        if !url.starts_with("https://") || url.ends_with('/') {
            return Err(BadInput(format!(
                "--issuer-base-url: {url:?} must start with https:// and not end with /"
            ))
            .into());
        }
    }
    if let Some(db) = &args.database {
        if !vrs::is_postgres_url(db) {
            return Err(BadInput(
                "--database: must be a postgres:// or postgresql:// URL".to_owned(),
            )
            .into());
        }
    }
    match Vrs::init_database(
        &ctx.data_dir,
        args.database.as_deref(),
        args.issuer_base_url.as_deref(),
        args.force,
        &SystemClock,
    ) {
        Ok(report) => Ok(Reply::ok(report)),
        Err(VrsError::Store(e @ StoreError::IssuerBaseUrlChange { .. })) => {
            Err(BadInput(format!("--issuer-base-url: {e}")).into())
        }
        Err(e) => Err(e.into()),
    }
}

impl Human for vrs::InitReport {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "data directory {} is ready",
            self.data_dir.display()
        ));
        doc.fields(&[
            (
                "new keyring",
                format!(
                    "{}{}",
                    yes_no(self.created_keyring),
                    if self.created_keyring {
                        ""
                    } else {
                        " (the existing one was kept)"
                    }
                ),
            ),
            (
                "migrations applied",
                if self.applied_migrations.is_empty() {
                    "none".to_owned()
                } else {
                    self.applied_migrations
                        .iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ),
            ("schema version", self.schema_version.to_string()),
            ("issuer base URL", self.issuer_base_url.clone()),
        ]);
    }
}
