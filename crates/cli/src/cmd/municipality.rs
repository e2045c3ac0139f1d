//! `vrs municipality show CODE`: the registry row of a local government code.

use clap::Subcommand;
use vrs_domain::MunicipalityCode;

use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum MunicipalityCmd {
    /// Show a local government's code, name, kana, kind and prefecture.
    Show {
        /// Six-digit JIS X 0402 code, e.g. 131016.
        code: String,
    },
}

pub(crate) fn run(cmd: MunicipalityCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    match cmd {
        MunicipalityCmd::Show { code } => {
            let code: MunicipalityCode = code.parse().map_err(|e| BadInput(format!("{e}")))?;
            let info = code.info();
            ctx.print(&serde_json::json!({
                "code": info.code,
                "name": info.name,
                "name_kana": info.name_kana,
                "kind": info.kind,
                "prefecture_code": info.prefecture_code,
                "prefecture": info.prefecture_code.info().name,
                "parent": info.parent,
            }))?;
            Ok(Exit::Ok)
        }
    }
}
