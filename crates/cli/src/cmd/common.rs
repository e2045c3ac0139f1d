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

/// Opens a data directory with the system clock. The OS user running the
/// command is the local administrator: every audit event records it as actor.
pub(crate) fn open_at(dir: &Path) -> anyhow::Result<Vrs> {
    match Vrs::open(dir, Box::new(SystemClock)) {
        Ok(mut v) => {
            v.set_local_administrator(&os_user())?;
            Ok(v)
        }
        // A missing data dir is the caller's mistake; a database without its
        // keyring (or with another) stays an internal error (exit 3) whose
        // message names the data dir and what to restore.
        Err(vrs::VrsError::Store(e @ vrs::StoreError::NotInitialised { .. })) => {
            Err(BadInput(e.to_string()).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The name of the OS user running this process: its real user ID's entry in
/// /etc/passwd (read bounded), else `uid:N`; on other systems `USERNAME`/`USER`.
pub(crate) fn os_user() -> String {
    #[cfg(unix)]
    {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
            return std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        };
        let mut passwd = String::new();
        if let Ok(f) = std::fs::File::open("/etc/passwd") {
            let _ = f.take(4 << 20).read_to_string(&mut passwd);
        }
        passwd
            .lines()
            .find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id = fields.nth(1)?;
                (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
            })
            .unwrap_or_else(|| format!("uid:{uid}"))
    }
    #[cfg(not(unix))]
    {
        std::env::var("USERNAME")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "unknown".into())
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

/// The one lookup of `--address-number`, `--ticket-number` or the My Number
/// (`--my-number`, `--my-number-stdin`, `--my-number-file`) given.
pub(crate) fn lookup(
    address_number: Option<&str>,
    ticket_number: Option<&str>,
    my_number: &MyNumberArgs,
) -> anyhow::Result<vrs::Lookup> {
    Ok(match (address_number, ticket_number, my_number.read()?) {
        (Some(a), _, _) => vrs::Lookup::AddressNumber(parse_flag("address-number", a)?),
        (_, Some(t), _) => vrs::Lookup::TicketNumber(parse_flag("ticket-number", t)?),
        (_, _, Some(n)) => vrs::Lookup::MyNumber(n),
        _ => {
            return Err(
                BadInput("give --address-number, --ticket-number or --my-number".into()).into(),
            )
        }
    })
}

/// `--my-number`, `--my-number-stdin` or `--my-number-file`: the command line
/// shows in `ps` and shell history, so the number can also come from standard
/// input or a file.
#[derive(clap::Args, Debug, Default)]
pub(crate) struct MyNumberArgs {
    /// The My Number (visible in `ps` and shell history: prefer --my-number-stdin or --my-number-file).
    #[arg(long, conflicts_with_all = ["my_number_stdin", "my_number_file"])]
    pub(crate) my_number: Option<String>,
    /// Read the My Number from standard input (its first line) instead of --my-number.
    #[arg(long, conflicts_with = "my_number_file")]
    pub(crate) my_number_stdin: bool,
    /// Read the My Number from this file (its first line) instead of --my-number.
    #[arg(long, value_name = "FILE")]
    pub(crate) my_number_file: Option<std::path::PathBuf>,
}

/// The longest My Number input read from standard input or a file.
const MY_NUMBER_INPUT_MAX: u64 = 256;

impl MyNumberArgs {
    /// The My Number given, from whichever source, parsed; the error names the flag.
    pub(crate) fn read(&self) -> anyhow::Result<Option<vrs::domain::MyNumber>> {
        use std::io::Read;
        let (flag, text) = match (&self.my_number, self.my_number_stdin, &self.my_number_file) {
            (Some(n), _, _) => ("my-number", n.clone()),
            (None, true, _) => {
                let mut s = String::new();
                std::io::stdin()
                    .lock()
                    .take(MY_NUMBER_INPUT_MAX)
                    .read_to_string(&mut s)
                    .map_err(|e| BadInput(format!("--my-number-stdin: {e}")))?;
                ("my-number-stdin", s)
            }
            (None, false, Some(path)) => {
                let mut s = String::new();
                std::fs::File::open(path)
                    .and_then(|f| f.take(MY_NUMBER_INPUT_MAX).read_to_string(&mut s))
                    .map_err(|e| BadInput(format!("--my-number-file {}: {e}", path.display())))?;
                ("my-number-file", s)
            }
            (None, false, None) => return Ok(None),
        };
        let line = text.lines().next().unwrap_or("").trim();
        Ok(Some(parse_flag(flag, line)?))
    }
}

/// An unusable output path is the caller's input (exit 2), named with its flag;
/// a write that fails for another reason (disk full) stays an internal error.
pub(crate) fn output_error(flag: &str, e: vrs::OutputError) -> anyhow::Error {
    if e.is_bad_path() {
        BadInput(format!("--{flag} {e}")).into()
    } else {
        e.into()
    }
}

/// [`output_error`] for the facade's errors.
pub(crate) fn vrs_error(flag: &str, e: vrs::VrsError) -> anyhow::Error {
    match e {
        vrs::VrsError::Output(o) | vrs::VrsError::Store(vrs::StoreError::Output(o)) => {
            output_error(flag, o)
        }
        other => other.into(),
    }
}
