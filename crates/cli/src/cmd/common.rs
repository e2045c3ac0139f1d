//! Helpers shared by the commands: opening the service, parsing flags into
//! domain types, printing refusals.

use std::path::Path;

use vrs::{Refusal, SystemClock, Vrs};

use crate::{BadInput, Ctx, Exit};

/// Opens the data directory with the system clock.
pub(crate) fn open(ctx: &Ctx) -> anyhow::Result<Vrs> {
    open_at(&ctx.data_dir)
}

/// Opens a data directory with the system clock.
pub(crate) fn open_at(dir: &Path) -> anyhow::Result<Vrs> {
    match Vrs::open(dir, Box::new(SystemClock)) {
        Ok(v) => Ok(v),
        Err(vrs::VrsError::Store(e @ vrs::store::StoreError::NotInitialised { .. })) => {
            Err(BadInput(e.to_string()).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Parses a flag's value into a domain type; the error names the flag.
pub(crate) fn parse_flag<T>(flag: &str, value: &str) -> anyhow::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| BadInput(format!("--{flag}: {e}")).into())
}

/// Prints a refusal as `{"refused": true, "grounds": [...]}` and returns exit 1.
pub(crate) fn refused(ctx: &Ctx, refusal: &Refusal) -> anyhow::Result<Exit> {
    ctx.print(&serde_json::json!({
        "refused": true,
        "grounds": refusal.grounds,
        "provisions": refusal.provisions(),
    }))?;
    eprintln!("{refusal}");
    Ok(Exit::Refused)
}
