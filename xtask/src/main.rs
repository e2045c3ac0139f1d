//! Project automation: `cargo xtask fixtures ...`, `cargo xtask bench ...`,
//! `cargo xtask lawmap [--check]`, `cargo xtask man [--check]`, `cargo xtask tidy`,
//! `cargo xtask screens`.

use clap::{Parser, Subcommand};

mod bench;
mod fixtures;
mod fixtures_cards;
mod fixtures_vds;
mod lawmap;
mod man;
mod population;
mod screens;
mod tidy;

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
    /// Write docs/law-map.md: provision → rule (file:line) → law cases.
    Lawmap {
        /// Fail if the committed docs/law-map.md is stale instead of writing it.
        #[arg(long)]
        check: bool,
    },
    /// Write docs/man/: the manual pages of `vrs` and every subcommand, for packagers.
    Man {
        /// Fail if the committed pages are stale instead of writing them.
        #[arg(long)]
        check: bool,
    },
    /// Check every source file: a `//!` header, at most 800 lines, and no provision
    /// ID in a string literal of the store's, the facade's or the server's code.
    Tidy,
    /// Screenshots of every web screen into docs/screens/ (headless Chromium).
    Screens,
    /// Measure the system on generated data (see docs/PERFORMANCE.md).
    #[command(subcommand)]
    Bench(bench::Bench),
}

#[derive(Subcommand)]
enum Fixtures {
    /// Deterministic synthetic residents as a resident file (CSV).
    Population(population::PopulationArgs),
    /// Regenerate the demo's resident files under fixtures/demo/.
    Demo,
    /// Regenerate every generated fixture in memory and fail if any differs from the committed file.
    Check,
    /// Test CSCA + VDS-NC barcode signer under fixtures/vds (`--check`: verify the committed files).
    Vds {
        /// Verify the committed files instead of writing new ones.
        #[arg(long)]
        check: bool,
    },
    /// Test card CA, synthetic My Number card dumps and tampered variants (fixtures/cards/).
    Cards,
}

fn main() -> anyhow::Result<()> {
    match Xtask::parse().command {
        Command::Fixtures(f) => match f {
            Fixtures::Population(a) => population::run(a),
            Fixtures::Demo => fixtures::write_all(),
            Fixtures::Check => fixtures::check_all(),
            Fixtures::Vds { check } => {
                if check {
                    fixtures_vds::check()
                } else {
                    fixtures_vds::generate()
                }
            }
            Fixtures::Cards => fixtures_cards::run(),
        },
        Command::Bench(b) => bench::run(b),
        Command::Lawmap { check } => lawmap::run(check),
        Command::Man { check } => man::run(check),
        Command::Tidy => tidy::run(),
        Command::Screens => screens::run(),
    }
}
