//! `vrs vaccines list`: the COVID-19 vaccine catalog as JSON.

use clap::Subcommand;
use vrs::domain::VaccineProduct;

use crate::{Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum VaccinesCmd {
    /// Every product used in Japan: id, maker, brand, CVX code, minimum interval.
    List,
}

pub(crate) fn run(cmd: VaccinesCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    match cmd {
        VaccinesCmd::List => {
            let rows: Vec<serde_json::Value> = VaccineProduct::all()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id(),
                        "maker": p.maker(),
                        "maker_ja": p.maker_ja(),
                        "brand": p.brand_ja(),
                        "brand_en": p.brand(),
                        "cvx": p.cvx(),
                        "cvx_is_own": p.cvx_is_own(),
                        "min_interval_days": p.min_interval_days(),
                        "booster_only": p.booster_only(),
                    })
                })
                .collect();
            ctx.print(&rows)?;
            Ok(Exit::Ok)
        }
    }
}
