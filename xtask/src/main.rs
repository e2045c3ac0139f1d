//! Project automation: `cargo xtask fixtures ...`, `cargo xtask bench ...`,
//! `cargo xtask lawmap [--check]`.

use clap::{Parser, Subcommand};

mod fixtures_cards;

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Xtask {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate test fixtures (never real people's data).
    #[command(subcommand)]
    Fixtures(Fixtures),
}

#[derive(Subcommand)]
enum Fixtures {
    /// Test card CA, synthetic My Number card dumps and tampered variants (fixtures/cards/).
    Cards,
}

fn main() -> anyhow::Result<()> {
    match Xtask::parse().command {
        Command::Fixtures(f) => match f {
            Fixtures::Cards => fixtures_cards::run(),
        },
    }
}
