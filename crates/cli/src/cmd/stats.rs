//! `vrs stats`: dose statistics (T1-4-4, T1-4-6, P11-7); the State and
//! prefectures get small cells suppressed, a municipality its own exact counts.

use clap::Args;
use vrs::domain::{parse_dose_date, Principal};
use vrs::{MunicipalityCode, StatKey, StatQuery, Statistics, VrsError};

use super::common::{answer, open, parse_flag};
use crate::output::{Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

#[derive(Args, Debug)]
pub(crate) struct StatsArgs {
    /// Acting principal: national, prefecture:NN or municipality:X.
    #[arg(long = "as")]
    principal: String,
    /// Group keys, comma-separated: date, dose, vaccine, age-band, municipality.
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// First vaccination date counted (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Last vaccination date counted (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// One municipality only.
    #[arg(long)]
    municipality: Option<String>,
    /// Ask for more suppression than configured: a minimum cell size for this query
    /// (the State and prefectures; never below the configured size).
    #[arg(long)]
    min_cell: Option<u64>,
    /// Operator only: set the minimum cell size of the State's and prefectures'
    /// statistics (default 10, never below 3).
    #[arg(long, conflicts_with_all = ["by", "from", "to", "municipality", "min_cell"])]
    set_min_cell: Option<u64>,
}

pub(crate) fn run(a: StatsArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    if let Some(size) = a.set_min_cell {
        let mut vrs = open(ctx)?;
        return match vrs.configure_statistics(principal, size) {
            Ok(a) => Ok(answer(a, |n| {
                Reply::ok(Shaped::new(
                    serde_json::json!({ "min_cell_size": n }),
                    MinCell(n),
                ))
            })),
            Err(e @ VrsError::Statistics(_)) => {
                Err(BadInput(format!("--set-min-cell: {e}")).into())
            }
            Err(e) => Err(e.into()),
        };
    }
    let by =
        a.by.iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.parse::<StatKey>()
                    .map_err(|e| BadInput(format!("--by: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
    let date = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|d| parse_dose_date(d).map_err(|e| BadInput(format!("--{flag}: {e}"))))
            .transpose()
    };
    let query = StatQuery {
        by,
        from: date("from", &a.from)?,
        to: date("to", &a.to)?,
        municipality: a
            .municipality
            .as_deref()
            .map(|m| {
                MunicipalityCode::parse_municipality(m)
                    .map_err(|e| BadInput(format!("--municipality: {e}")))
            })
            .transpose()?,
        min_cell: a.min_cell,
    };
    let mut vrs = open(ctx)?;
    match vrs.dose_statistics(principal, &query) {
        Ok(a) => Ok(answer(a, Reply::ok)),
        Err(e @ VrsError::Statistics(_)) => Err(BadInput(format!("--min-cell: {e}")).into()),
        Err(e) => Err(e.into()),
    }
}

/// The configured minimum cell size.
struct MinCell(u64);

impl Human for MinCell {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "the State's and prefectures' statistics now suppress counts below {} (T1-4-6)",
            self.0
        ));
    }
}

impl Human for Statistics {
    fn human(&self, doc: &mut Doc) {
        doc.line(match self.min_cell_size {
            Some(n) => format!(
                "doses counted for {}; counts below {n} are suppressed (T1-4-6)",
                self.scope
            ),
            None => format!("doses counted for {}; exact counts", self.scope),
        });
        let mut header: Vec<&str> = self
            .rows
            .first()
            .map(|c| c.keys.iter().map(|(k, _)| *k).collect())
            .unwrap_or_default();
        header.push("count");
        doc.table(
            &header,
            self.rows
                .iter()
                .map(|c| {
                    let mut row: Vec<String> = c.keys.iter().map(|(_, v)| v.clone()).collect();
                    row.push(match c.count {
                        Some(n) => n.to_string(),
                        None if c.suppressed => "suppressed".into(),
                        None => "-".into(),
                    });
                    row
                })
                .collect(),
        );
        if self.rows.is_empty() {
            doc.line("no doses");
        }
    }
}
