//! `vrs completions SHELL` (clap_complete) and `vrs man` (clap_mangen): the
//! command line described for shells and for `man`, from the same clap definition.

use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;

use crate::output::{Doc, Reply, Show};
use crate::BadInput;

#[derive(Args, Debug)]
pub(crate) struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    shell: Shell,
}

#[derive(Args, Debug)]
pub(crate) struct ManArgs {
    /// Write vrs.1 and one page per subcommand (vrs-residents-import.1, ...) into
    /// this directory instead of printing vrs.1 (for packagers; `cargo xtask man`).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Text printed as it is, with `--json` or without (a script, a manual page).
struct Verbatim(String);

impl Show for Verbatim {
    fn json(&self) -> serde_json::Result<String> {
        Ok(self.0.clone())
    }
    fn human(&self, doc: &mut Doc) {
        doc.raw(&self.0);
    }
}

pub(crate) fn completions(args: CompletionsArgs) -> anyhow::Result<Reply> {
    let mut cmd = crate::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "vrs", &mut out);
    Ok(Reply::ok(Verbatim(String::from_utf8(out)?)))
}

/// Every page: the command itself, then each subcommand (depth first) as `vrs-a-b.1`.
pub(crate) fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    fn walk(
        cmd: clap::Command,
        name: String,
        out: &mut Vec<(String, Vec<u8>)>,
    ) -> anyhow::Result<()> {
        let cmd = cmd.name(name.clone());
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
        out.push((format!("{name}.1"), page));
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub.clone(), format!("{name}-{}", sub.get_name()), out)?;
        }
        Ok(())
    }
    let mut out = Vec::new();
    let mut cmd = crate::command();
    cmd.build();
    walk(cmd, "vrs".into(), &mut out)?;
    Ok(out)
}

pub(crate) fn man(args: ManArgs) -> anyhow::Result<Reply> {
    let pages = pages()?;
    match args.out_dir {
        None => Ok(Reply::ok(Verbatim(String::from_utf8(pages[0].1.clone())?))),
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| BadInput(format!("--out-dir {}: {e}", dir.display())))?;
            for (name, page) in &pages {
                std::fs::write(dir.join(name), page)?;
            }
            Ok(Reply::ok(Verbatim(format!(
                "wrote {} manual pages to {}\n",
                pages.len(),
                dir.display()
            ))))
        }
    }
}
