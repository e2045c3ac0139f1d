//! Helpers shared by the commands: opening the service, parsing flags into
//! domain types, answering refusals.

use std::path::Path;

use vrs::{Answer, Refusal, SystemClock, Vrs};

use crate::output::{Doc, Human, Reply};
use crate::{BadInput, Ctx};

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

/// A refusal by a rule. JSON: `{"refused": true, "grounds": [...], "provisions": [...]}`;
/// for people, one `refused: T1-4-6 (別紙1 第4条第6項) reason` line per ground.
pub(crate) struct RuleRefusal(pub(crate) Refusal);

impl serde::Serialize for RuleRefusal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::json!({
            "refused": true,
            "grounds": self.0.grounds,
            "provisions": self.0.provisions(),
        })
        .serialize(s)
    }
}

impl Human for RuleRefusal {
    fn human(&self, doc: &mut Doc) {
        for g in &self.0.grounds {
            let label = doc.bad("refused:");
            doc.line(format!(
                "{label} {} ({}) {}",
                g.provision, g.article, g.reason
            ));
        }
    }
}

/// The reply to a refusal: exit 1.
pub(crate) fn refused(refusal: Refusal) -> Reply {
    Reply::refused(RuleRefusal(refusal))
}

/// The reply to a use case's answer: `done` of the value, or the refusal.
pub(crate) fn answer<T>(answer: Answer<T>, done: impl FnOnce(T) -> Reply) -> Reply {
    match answer {
        Answer::Done(v) => done(v),
        Answer::Refused(r) => refused(r),
    }
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
