//! One module per command group; `run` dispatches.

use crate::output::Reply;
use crate::{Command, Ctx};

pub(crate) mod apply;
pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod card;
pub(crate) mod certificate;
pub(crate) mod certificates;
pub(crate) mod common;
pub(crate) mod consent;
pub(crate) mod demo;
pub(crate) mod demo_issuance;
pub(crate) mod demo_records;
pub(crate) mod doses;
mod doses_view;
pub(crate) mod emergency;
pub(crate) mod init;
pub(crate) mod inquiry;
pub(crate) mod keys;
pub(crate) mod meta;
pub(crate) mod municipality;
pub(crate) mod passport;
pub(crate) mod release;
pub(crate) mod residents;
pub(crate) mod serve;
pub(crate) mod stats;
pub(crate) mod tickets;
pub(crate) mod users;
pub(crate) mod vaccines;
pub(crate) mod vds_signer;

/// Runs a command; its answer is printed by `output::print`.
pub(crate) fn run(command: Command, ctx: &Ctx) -> anyhow::Result<Reply> {
    match command {
        Command::Init(a) => init::run(a, ctx),
        Command::Apply(a) => apply::run(a, ctx),
        Command::Certificates(c) => certificates::run(c, ctx),
        Command::Consent(c) => consent::run(c, ctx),
        Command::Inquiry(a) => inquiry::run(a, ctx),
        Command::Keys(c) => keys::run(c, ctx),
        Command::Emergency(c) => emergency::run(c, ctx),
        Command::Residents(c) => residents::run(c, ctx),
        Command::Doses(c) => doses::run(c, ctx),
        Command::Vaccines(c) => vaccines::run(c, ctx),
        Command::Stats(a) => stats::run(a, ctx),
        Command::Tickets(c) => tickets::run(c, ctx),
        Command::Release(a) => release::run(a, ctx),
        Command::Population(c) => release::run_population(c, ctx),
        Command::Municipality(c) => municipality::run(c, ctx),
        Command::Audit(c) => audit::run(c, ctx),
        Command::Backup(a) => backup::run(a, ctx),
        Command::Restore(a) => backup::restore(a, ctx),
        Command::Demo(a) => demo::run(a, ctx),
        Command::Serve(a) => serve::run(a, ctx),
        Command::Certificate(c) => certificate::run(c, ctx),
        Command::Card(c) => card::run(c, ctx),
        Command::Passport(c) => passport::run(c, ctx),
        Command::Users(c) => users::run_users(c, ctx),
        Command::Devices(c) => users::run_devices(c, ctx),
        Command::Completions(a) => meta::completions(a),
        Command::Man(a) => meta::man(a),
    }
}
