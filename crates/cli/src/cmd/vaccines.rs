//! `vrs vaccines list`: the COVID-19 vaccine catalog as JSON.

use clap::Subcommand;
use vrs::domain::VaccineProduct;

use crate::output::{yes_no, Doc, Human, Reply, Shaped};
use crate::Ctx;

#[derive(Subcommand, Debug)]
pub(crate) enum VaccinesCmd {
    /// Every product used in Japan: id, maker, brand, CVX code, minimum interval.
    List,
}

pub(crate) fn run(cmd: VaccinesCmd, _ctx: &Ctx) -> anyhow::Result<Reply> {
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
            Ok(Reply::ok(Shaped::new(rows.into(), Catalog)))
        }
    }
}

/// The catalog, for people.
struct Catalog;

impl Human for Catalog {
    fn human(&self, doc: &mut Doc) {
        doc.table(
            &[
                "id",
                "brand",
                "maker",
                "cvx",
                "min interval",
                "booster only",
            ],
            VaccineProduct::all()
                .map(|p| {
                    vec![
                        p.id().to_owned(),
                        p.brand_ja().to_owned(),
                        p.maker_ja().to_owned(),
                        p.cvx().to_owned(),
                        format!("{} days", p.min_interval_days()),
                        yes_no(p.booster_only()).to_owned(),
                    ]
                })
                .collect(),
        );
    }
}
