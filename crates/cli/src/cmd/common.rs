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

/// A six-digit municipality code given with `--FLAG`; the error names the flag.
pub(crate) fn municipality_arg(flag: &str, value: &str) -> anyhow::Result<vrs::MunicipalityCode> {
    vrs::MunicipalityCode::parse_municipality(value)
        .map_err(|e| BadInput(format!("--{flag}: {e}")).into())
}

/// The one lookup of `--address-number`, `--ticket-number` or `--my-number` given.
pub(crate) fn lookup(
    address_number: Option<&str>,
    ticket_number: Option<&str>,
    my_number: Option<&str>,
) -> anyhow::Result<vrs::Lookup> {
    Ok(match (address_number, ticket_number, my_number) {
        (Some(a), _, _) => vrs::Lookup::AddressNumber(parse_flag("address-number", a)?),
        (_, Some(t), _) => vrs::Lookup::TicketNumber(parse_flag("ticket-number", t)?),
        (_, _, Some(n)) => vrs::Lookup::MyNumber(parse_flag("my-number", n)?),
        _ => {
            return Err(
                BadInput("give --address-number, --ticket-number or --my-number".into()).into(),
            )
        }
    })
}
