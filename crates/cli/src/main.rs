//! The `vrs` command-line tool: parses arguments into domain types, calls the
//! facade, and prints the answer for people or, with `--json`, as JSON (one
//! output layer, `output`). Exit codes: 0 ok, 1 refused by a rule, 2 bad input,
//! 3 internal error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod output;

/// Exit codes other than "internal error" (which is any `Err`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: the command did what was asked.
    Ok,
    /// 1: a rule refused it (the output cites the provision).
    Refused,
    /// 2: the input was malformed.
    BadInput,
}

/// An error that is the caller's fault: printed, then exit 2.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// What every command gets besides its own arguments.
pub(crate) struct Ctx {
    /// The data directory (`--data-dir`, `VRS_DATA_DIR`, default `./vrs-data`).
    pub(crate) data_dir: PathBuf,
    /// `--json`: commands that narrate as they go (the demo) send the narration to stderr.
    pub(crate) json: bool,
}

#[derive(Parser, Debug)]
#[command(
    after_help = "Exit codes: 0 ok, 1 refused by a rule (the provision is cited), 2 bad input, 3 internal error.",
    name = "vrs",
    version,
    about = "Vaccination Record System (ワクチン接種記録システム)"
)]
struct Cli {
    /// Data directory holding the database and keyring.
    #[arg(long, global = true, env = "VRS_DATA_DIR", default_value = "vrs-data")]
    data_dir: PathBuf,
    /// Print machine-readable JSON (the field names are stable) instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create or complete a data directory (keyring, database, migrations).
    Init(cmd::init::InitArgs),
    /// Run the whole mission on a fresh data directory and narrate it.
    Demo(cmd::demo::DemoArgs),
    /// Run the VRS service over HTTPS until SIGTERM/SIGINT (staff, tablet and app APIs).
    Serve(cmd::serve::ServeArgs),
    /// The consent function: grant, revoke, show, list (N-2, T1-2-3, T2-2-2).
    #[command(subcommand)]
    Consent(cmd::consent::ConsentCmd),
    /// Ask a holding municipality for a person's records (D12-3).
    Inquiry(cmd::inquiry::InquiryArgs),
    /// Apply for a vaccination certificate with the My Number card (and passport).
    Apply(cmd::apply::ApplyArgs),
    /// A municipality's certificate issuance history.
    #[command(subcommand)]
    Certificates(cmd::certificates::CertificatesCmd),
    /// Certificate issuers' keys: JWKS, directory, rotation, revocation lists (T1-4-2).
    #[command(subcommand)]
    Keys(cmd::keys::KeysCmd),
    /// Emergency stop of VRS functions (T1-10).
    #[command(subcommand)]
    Emergency(cmd::emergency::EmergencyCmd),
    /// A municipality's resident registry (D12-1).
    #[command(subcommand)]
    Residents(cmd::residents::ResidentsCmd),
    /// Vaccination records: register, upload, manage, export (D12-2, T1-3-1-6, T1-5-1).
    #[command(subcommand)]
    Doses(cmd::doses::DosesCmd),
    /// The COVID-19 vaccine catalog.
    #[command(subcommand)]
    Vaccines(cmd::vaccines::VaccinesCmd),
    /// Dose statistics (T1-4-4, T1-4-6, P11-7).
    Stats(cmd::stats::StatsArgs),
    /// The national daily release: open-data tables as CSV and JSON (T1-4-4, T1-4-6).
    Release(cmd::release::ReleaseArgs),
    /// The population denominators of the release's coverage (T1-4-4).
    #[command(subcommand)]
    Population(cmd::release::PopulationCmd),
    /// Vaccination tickets: who is due the next one (L13).
    #[command(subcommand)]
    Tickets(cmd::tickets::TicketsCmd),
    /// Look up the registry of local government codes.
    #[command(subcommand)]
    Municipality(cmd::municipality::MunicipalityCmd),
    /// Users of the service and their roles (T1-9-1): add, list, disable, reset-password, enroll.
    #[command(subcommand)]
    Users(cmd::users::UsersCmd),
    /// Devices (tablets) of a municipality's vaccination sites (T1-9-1, T1-9-2).
    #[command(subcommand)]
    Devices(cmd::users::DevicesCmd),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCmd),
    /// Consistent backups (T1-5-3).
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup into a new or empty data directory (T1-5-3).
    Restore(cmd::backup::RestoreArgs),
    /// Verify vaccination certificates (SMART Health Cards, ICAO VDS-NC).
    #[command(subcommand)]
    Certificate(cmd::certificate::CertificateCmd),
    /// Verify My Number card data (input-support AP dumps).
    #[command(subcommand)]
    Card(cmd::card::CardCmd),
    /// Read a passport's machine-readable zone (ICAO 9303 TD3).
    #[command(subcommand)]
    Passport(cmd::passport::PassportCmd),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::meta::CompletionsArgs),
    /// Print the manual page (roff) on stdout, or write every page to a directory.
    Man(cmd::meta::ManArgs),
}

/// The command line as clap sees it (for completions and manual pages).
pub(crate) fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx {
        data_dir: cli.data_dir,
        json: cli.json,
    };
    let result = cmd::run(cli.command, &ctx).and_then(|reply| output::print(cli.json, reply));
    match result {
        Ok(Exit::Ok) => ExitCode::from(0),
        Ok(Exit::Refused) => ExitCode::from(1),
        Ok(Exit::BadInput) => ExitCode::from(2),
        Err(e) if e.downcast_ref::<BadInput>().is_some() => {
            output::error_line("error", &e.to_string());
            ExitCode::from(2)
        }
        Err(e) => {
            output::error_line("internal error", &format!("{e:#}"));
            ExitCode::from(3)
        }
    }
}
