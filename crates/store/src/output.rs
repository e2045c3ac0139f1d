//! Output files written safely: every file vrs writes (certificates, exports,
//! batch results, backups) goes through [`OutputFile`], which writes a fresh
//! temporary file (O_EXCL, so never through a planted symlink, mode 0600) in the
//! target's directory and moves it into place only when complete. An existing
//! target is refused unless the caller forces a replacement, and an output may
//! not be one of the command's inputs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};

/// Why an output path cannot be used. Messages name the path, never its content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The target exists and replacing it was not asked for.
    #[error("{path}: already exists (give --force to replace it)")]
    Exists {
        /// The target.
        path: PathBuf,
    },
    /// The target is a directory.
    #[error("{path}: is a directory")]
    IsDirectory {
        /// The target.
        path: PathBuf,
    },
    /// The target's directory does not exist (or is not a directory).
    #[error("{path}: its directory {dir} does not exist")]
    NoDirectory {
        /// The target.
        path: PathBuf,
        /// Its parent.
        dir: PathBuf,
    },
    /// The target is one of the command's inputs.
    #[error("{path}: is also an input of this command")]
    SameAsInput {
        /// The target.
        path: PathBuf,
    },
    /// The operating system refused (permissions, disk full, ...).
    #[error("{path}: {source}")]
    Io {
        /// The target.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl OutputError {
    /// The target path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Exists { path }
            | Self::IsDirectory { path }
            | Self::NoDirectory { path, .. }
            | Self::SameAsInput { path }
            | Self::Io { path, .. } => path,
        }
    }

    /// True when the path itself is unusable (the caller's input), false when
    /// writing failed for another reason.
    pub fn is_bad_path(&self) -> bool {
        match self {
            Self::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::AlreadyExists
                    | std::io::ErrorKind::InvalidInput
                    | std::io::ErrorKind::ReadOnlyFilesystem
                    | std::io::ErrorKind::NotADirectory
                    | std::io::ErrorKind::IsADirectory
            ),
            _ => true,
        }
    }
}

/// An output being written: a temporary file beside its target, moved into
/// place by [`OutputFile::commit`]; dropped uncommitted, it is removed.
#[derive(Debug)]
pub struct OutputFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
    replace: bool,
}

/// Creates `dir` (and missing parents) with mode 0700 where it does not exist.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens a new file with mode 0600, failing if anything (even a dangling
/// symlink) is at `path`.
pub(crate) fn create_new_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// True when `a` and `b` name the same existing file (through links or not).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

impl OutputFile {
    /// Checks `target` and creates its temporary file. Refuses an existing
    /// target unless `replace`, a directory, a missing directory, and any of
    /// `inputs`.
    pub fn create(target: &Path, replace: bool, inputs: &[&Path]) -> Result<Self, OutputError> {
        let path = target.to_owned();
        let io = |source| OutputError::Io {
            path: path.clone(),
            source,
        };
        if inputs.iter().any(|i| same_file(i, target)) {
            return Err(OutputError::SameAsInput { path });
        }
        let name = match target.file_name() {
            Some(n) => n.to_owned(),
            None => return Err(OutputError::IsDirectory { path }),
        };
        let dir = match target.parent() {
            Some(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Some(p) => p.to_owned(),
            None => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(OutputError::NoDirectory { path, dir });
        }
        match std::fs::symlink_metadata(target) {
            Ok(m) if m.is_dir() => return Err(OutputError::IsDirectory { path }),
            Ok(_) if !replace => return Err(OutputError::Exists { path }),
            Ok(_) => {
                // A symlink is replaced itself (rename never follows it); a
                // directory behind a symlink is refused.
                if target.is_dir() {
                    return Err(OutputError::IsDirectory { path });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let rng = SystemRandom::new();
        for _ in 0..8 {
            let mut r = [0u8; 8];
            rng.fill(&mut r)
                .map_err(|_| io(std::io::Error::other("no randomness")))?;
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(&name);
            tmp_name.push(format!(".{}.tmp", hex::encode(r)));
            let tmp = dir.join(tmp_name);
            match create_new_private(&tmp) {
                Ok(file) => {
                    return Ok(Self {
                        target: path,
                        tmp,
                        file: Some(file),
                        replace,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(e)),
            }
        }
        Err(io(std::io::Error::other("no fresh temporary name")))
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file's path (e.g. for SQLite to write a backup into).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// The open temporary file (reopened after [`OutputFile::close_handle`]).
    pub fn file(&mut self) -> Result<&mut File, OutputError> {
        let file = match self.file.take() {
            Some(f) => f,
            None => OpenOptions::new()
                .write(true)
                .open(&self.tmp)
                .map_err(|e| self.io(e))?,
        };
        Ok(self.file.insert(file))
    }

    /// Closes the handle so another library (SQLite) can write the temporary
    /// file by path.
    pub fn close_handle(&mut self) {
        self.file = None;
    }

    fn io(&self, source: std::io::Error) -> OutputError {
        OutputError::Io {
            path: self.target.clone(),
            source,
        }
    }

    /// Writes all of `bytes` to the temporary file.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let r = self.file()?.write_all(bytes);
        r.map_err(|e| self.io(e))
    }

    /// Makes the file durable and moves it into place. Without `replace`, a
    /// target that appeared meanwhile is not overwritten (hard link, then unlink).
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let synced = match &self.file {
            Some(f) => f.sync_all(),
            None => File::open(&self.tmp).and_then(|f| f.sync_all()),
        };
        synced.map_err(|e| self.io(e))?;
        self.file = None;
        if self.replace {
            std::fs::rename(&self.tmp, &self.target).map_err(|e| self.io(e))?;
        } else {
            match std::fs::hard_link(&self.tmp, &self.target) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.tmp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(OutputError::Exists {
                        path: self.target.clone(),
                    })
                }
                // A file system without hard links: check, then rename.
                Err(_) if std::fs::symlink_metadata(&self.target).is_err() => {
                    std::fs::rename(&self.tmp, &self.target).map_err(|e| self.io(e))?;
                }
                Err(e) => return Err(self.io(e)),
            }
        }
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            // Durability of the rename; not every platform can open a directory.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        self.tmp = PathBuf::new();
        Ok(self.target.clone())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, replace: bool) -> Result<PathBuf, OutputError> {
        let mut out = OutputFile::create(&dir.join(name), replace, &[])?;
        out.write_all(b"new")?;
        out.commit()
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn an_output_is_written_0600_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "a.csv", false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn an_existing_target_is_refused_unless_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), b"mine").unwrap();
        let e = write(dir.path(), "a.csv", false).unwrap_err();
        assert!(matches!(e, OutputError::Exists { .. }), "{e}");
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"mine");
        write(dir.path(), "a.csv", true).unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"new");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let link = dir.path().join("out.csv");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(matches!(
            write(dir.path(), "out.csv", false),
            Err(OutputError::Exists { .. })
        ));
        // Forced: the link itself is replaced, its target untouched.
        write(dir.path(), "out.csv", true).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        // A dangling symlink is an existing target too.
        let dangling = dir.path().join("backup.sqlite");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(matches!(
            write(dir.path(), "backup.sqlite", false),
            Err(OutputError::Exists { .. })
        ));
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn an_output_may_not_be_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, b"input").unwrap();
        let e = OutputFile::create(&input, true, &[&input]).unwrap_err();
        assert!(matches!(e, OutputError::SameAsInput { .. }), "{e}");
        let other = dir.path().join(".").join("in.csv");
        assert!(OutputFile::create(&other, true, &[&input]).is_err());
        assert_eq!(std::fs::read(&input).unwrap(), b"input");
    }

    #[test]
    fn an_uncommitted_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut out = OutputFile::create(&dir.path().join("x"), false, &[]).unwrap();
            out.write_all(b"half").unwrap();
        }
        assert!(!dir.path().join("x").exists());
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn unusable_paths_are_named_bad_paths() {
        let dir = tempfile::tempdir().unwrap();
        for (target, what) in [
            (dir.path().join("missing/x.csv"), "missing directory"),
            (dir.path().to_owned(), "a directory"),
        ] {
            let e = OutputFile::create(&target, false, &[]).unwrap_err();
            assert!(e.is_bad_path(), "{what}: {e}");
            assert!(
                e.to_string().contains(&*target.to_string_lossy()),
                "{what}: {e}"
            );
        }
    }
}
