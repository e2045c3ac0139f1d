//! `vrs municipality show CODE`: the registry row of a local government code.

use clap::Subcommand;
use vrs_domain::MunicipalityCode;

use crate::output::{Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum MunicipalityCmd {
    /// Show a local government's code, name, kana, kind and prefecture.
    Show {
        /// Six-digit JIS X 0402 code, e.g. 131016.
        code: String,
    },
}

pub(crate) fn run(cmd: MunicipalityCmd, _ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        MunicipalityCmd::Show { code } => {
            let code: MunicipalityCode = code.parse().map_err(|e| BadInput(format!("{e}")))?;
            let info = code.info();
            let json = serde_json::json!({
                "code": info.code,
                "name": info.name,
                "name_kana": info.name_kana,
                "kind": info.kind,
                "prefecture_code": info.prefecture_code,
                "prefecture": info.prefecture_code.info().name,
                "parent": info.parent,
            });
            Ok(Reply::ok(Shaped::new(json, Info(code))))
        }
    }
}

/// A registry row, for people.
struct Info(MunicipalityCode);

impl Human for Info {
    fn human(&self, doc: &mut Doc) {
        let info = self.0.info();
        let prefecture = info.prefecture_code;
        let mut fields = vec![
            ("code", info.code.to_string()),
            ("name", info.name.to_owned()),
            ("kana", info.name_kana.to_owned()),
            ("kind", info.kind.as_str().to_owned()),
            (
                "prefecture",
                format!("{prefecture} {}", prefecture.info().name),
            ),
        ];
        if !info.parent.is_empty() {
            fields.push(("part of", info.parent.to_owned()));
        }
        doc.fields(&fields);
    }
}
