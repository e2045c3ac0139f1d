//! One module per command group; `run` dispatches.

use crate::{Command, Ctx, Exit};

pub(crate) mod card;
pub(crate) mod municipality;
pub(crate) mod passport;

pub(crate) fn run(command: Command, ctx: &Ctx) -> anyhow::Result<Exit> {
    match command {
        Command::Municipality(c) => municipality::run(c, ctx),
        Command::Card(c) => card::run(c, ctx),
        Command::Passport(c) => passport::run(c, ctx),
    }
}
