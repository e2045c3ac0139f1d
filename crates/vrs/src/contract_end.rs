//! M-13, the end of a municipality's contract: its data handed back, then erased.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use vrs_consent::Action;
use vrs_domain::resident_file::{push_resident, RESIDENT_EXPORT_HEADER};
use vrs_domain::{MunicipalityCode, Principal};
use vrs_store::{ErasureReport, ExportCounts, Exported, OutputFile, EXPORTED_TABLES};

use crate::{Answer, Vrs, VrsError};

/// The file of the residents handed back, in the import format.
pub const RESIDENTS_FILE: &str = "residents.csv";

/// What `vrs municipality export` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct MunicipalityExport {
    /// The municipality whose data it is.
    pub municipality: String,
    /// The directory written.
    pub dir: PathBuf,
    /// Every file written, with how many records it holds.
    pub files: Vec<ExportedFile>,
    /// The export's audit event.
    pub audit_seq: i64,
}

/// One file of an export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedFile {
    /// Its name inside the directory.
    pub name: String,
    /// Residents or rows in it.
    pub records: u64,
}

/// One output file being written: the file, its buffered writer's bytes.
struct Out {
    name: String,
    file: OutputFile,
    buf: Vec<u8>,
}

impl Out {
    fn create(dir: &Path, name: String, replace: bool) -> Result<Self, VrsError> {
        Ok(Self {
            file: OutputFile::create(&dir.join(&name), replace, &[])?,
            name,
            buf: Vec::with_capacity(1 << 16),
        })
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), VrsError> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= 1 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), VrsError> {
        let path = self.file.target().to_owned();
        self.file
            .file()?
            .write_all(&self.buf)
            .map_err(|source| VrsError::Io { path, source })?;
        self.buf.clear();
        Ok(())
    }
}

impl Vrs {
    /// M-13: erases municipality `m`'s data at the end of its contract (the
    /// operator only): destroys its data key and deletes its personal data; its
    /// audit events stay. Refused or done, it is audited.
    pub fn erase_municipality(
        &mut self,
        principal: Principal,
        m: MunicipalityCode,
    ) -> Result<Answer<ErasureReport>, VrsError> {
        match self.decide(principal, Action::EraseMunicipality, Some(m), None)? {
            Ok(allowed) => {
                let at = self.clock.now().to_rfc3339();
                Ok(Answer::Done(self.store.erase_municipality(&allowed, &at)?))
            }
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// M-13: hands municipality `principal`'s data back into `dir`: its residents
    /// in the import format (`residents.csv`, read back by `vrs residents
    /// import`), and one JSON-lines file per table of its doses with their
    /// history, consents and issuance history. Every file is written through
    /// [`OutputFile`] (0600, complete or absent); existing files are refused
    /// unless `replace`. Only the municipality itself; audited.
    pub fn export_municipality(
        &mut self,
        principal: Principal,
        dir: &Path,
        replace: bool,
    ) -> Result<Answer<MunicipalityExport>, VrsError> {
        let partition = match principal {
            Principal::Municipality(m) => Some(m),
            _ => None,
        };
        let allowed = match self.decide(principal, Action::ExportMunicipality, partition, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        vrs_store::create_private_dir(dir).map_err(|source| VrsError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut residents = Out::create(dir, RESIDENTS_FILE.to_owned(), replace)?;
        residents.push(RESIDENT_EXPORT_HEADER.as_bytes())?;
        let mut tables = Vec::with_capacity(EXPORTED_TABLES.len());
        for (table, _) in EXPORTED_TABLES {
            tables.push((table, Out::create(dir, format!("{table}.jsonl"), replace)?));
        }
        let mut line = String::with_capacity(256);
        let counts: ExportCounts =
            self.store
                .export_municipality(&allowed, |item| -> Result<(), VrsError> {
                    match item {
                        Exported::Resident(r) => {
                            line.clear();
                            push_resident(&mut line, r);
                            residents.push(line.as_bytes())
                        }
                        Exported::Row { table, row } => {
                            let Some((_, out)) = tables.iter_mut().find(|(t, _)| *t == table)
                            else {
                                return Ok(());
                            };
                            let mut bytes = serde_json::to_vec(row).map_err(|e| VrsError::Io {
                                path: out.file.target().to_owned(),
                                source: std::io::Error::other(e),
                            })?;
                            bytes.push(b'\n');
                            out.push(&bytes)
                        }
                    }
                })?;
        let mut files = vec![ExportedFile {
            name: RESIDENTS_FILE.to_owned(),
            records: counts.residents,
        }];
        residents.flush()?;
        residents.file.commit()?;
        for (table, mut out) in tables {
            out.flush()?;
            out.file.commit()?;
            files.push(ExportedFile {
                name: out.name,
                records: counts.rows.get(table).copied().unwrap_or(0),
            });
        }
        Ok(Answer::Done(MunicipalityExport {
            municipality: partition.map(|m| m.to_string()).unwrap_or_default(),
            dir: dir.to_owned(),
            files,
            audit_seq: counts.audit_seq,
        }))
    }
}
