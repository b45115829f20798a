//! One server per folder: an exclusive advisory lock (`flock`) on
//! `<folder>/gatehouse.lock`, held for the life of the process. The kernel
//! drops it when the process ends, however it ends, so a crash never leaves
//! a folder locked. The file holds the holder's pid, for the message a
//! second server prints.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside the snapshot folder.
pub const LOCK_FILE: &str = "gatehouse.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the snapshot folder {} is in use by another gatehouse process{}: two servers on \
         one folder would overwrite each other's journal. Stop the other server first, or \
         give this one a folder of its own (--snapshot-dir)",
        .dir.display(),
        .holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    Held { dir: PathBuf, holder: Option<u32> },
    #[error("cannot lock the snapshot folder {} ({}): {source}", .dir.display(), .file.display())]
    Io {
        dir: PathBuf,
        file: PathBuf,
        source: io::Error,
    },
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct FolderLock {
    file: File,
}

impl FolderLock {
    /// Creates `dir` if needed and locks it, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<FolderLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let fail = |source| LockError::Io {
            dir: dir.to_path_buf(),
            file: path.clone(),
            source,
        };
        fs::create_dir_all(dir).map_err(fail)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(fail)?;
        if !try_lock(&file).map_err(fail)? {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(LockError::Held {
                dir: dir.to_path_buf(),
                holder: text.trim().parse().ok(),
            });
        }
        // Only informative: a pid that cannot be written is no reason to
        // refuse the start.
        let pid = format!("{}\n", std::process::id());
        if let Err(e) = file
            .set_len(0)
            .and_then(|()| file.write_all(pid.as_bytes()))
        {
            tracing::warn!(file = %path.display(), error = %e, "cannot write the pid into the lock file");
        }
        Ok(FolderLock { file })
    }

    /// Makes sure the lock is on `dir` as it is now: kept if its file is
    /// still the folder's lock file, else taken again (the folder was
    /// removed or replaced, and is made again).
    pub fn renew(&mut self, dir: &Path) -> Result<(), LockError> {
        if !same_file(&self.file, &dir.join(LOCK_FILE)) {
            *self = FolderLock::acquire(dir)?;
        }
        Ok(())
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

/// Takes the exclusive lock without waiting: `false` if another open file
/// holds it.
#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(unix))]
fn try_lock(_: &File) -> io::Result<bool> {
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_folder_is_refused_and_names_the_holder_until_the_first_goes() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path()).unwrap();
        let refused = FolderLock::acquire(dir.path()).unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        FolderLock::acquire(dir.path()).unwrap();
    }
}
