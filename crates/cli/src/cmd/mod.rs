//! One module per command group; `run` dispatches.

use crate::{Command, Ctx, Exit};

pub(crate) mod certificate;
pub(crate) mod municipality;

pub(crate) fn run(command: Command, ctx: &Ctx) -> anyhow::Result<Exit> {
    match command {
        Command::Municipality(c) => municipality::run(c, ctx),
        Command::Certificate(c) => certificate::run(c, ctx),
    }
}
