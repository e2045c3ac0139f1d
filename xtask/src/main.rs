//! Project automation: `cargo xtask fixtures ...`, `cargo xtask bench ...`,
//! `cargo xtask lawmap [--check]`.

use clap::{Parser, Subcommand};

mod fixtures_vds;

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
    /// Test CSCA + VDS-NC barcode signer under fixtures/vds (`--check`: verify the committed files).
    Vds {
        /// Verify the committed files instead of writing new ones.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Xtask::parse().command {
        Command::Fixtures(f) => match f {
            Fixtures::Vds { check } => {
                if check {
                    fixtures_vds::check()
                } else {
                    fixtures_vds::generate()
                }
            }
        },
    }
}
