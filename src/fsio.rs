//! File I/O for edits: lock, re-read under the lock, and replace atomically.
//!
//! The lock is taken on the file itself; after locking, the path must still name the
//! locked inode (another writer may have renamed a new version into place), otherwise the
//! lock is retaken. The new content goes to a temporary file in the same directory, is
//! fsynced, gets the old file's permissions, and is renamed over the original, so a crash
//! leaves either the old or the complete new file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Reads a file as UTF-8 with a clear error.
pub fn read(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

/// Runs `edit` on the current content under an exclusive lock; writes its result, if any,
/// atomically before releasing the lock. Returns what `edit` returned.
pub fn edit_locked<T>(path: &Path, mut edit: impl FnMut(&str) -> Result<(Option<String>, T)>) -> Result<T> {
    let real = fs::canonicalize(path).with_context(|| format!("cannot open {}", path.display()))?;
    for _ in 0..cachectl::limits::LOCK_ATTEMPTS {
        let file =
            OpenOptions::new().read(true).open(&real).with_context(|| format!("cannot open {}", path.display()))?;
        file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
        let locked = file.metadata()?;
        match fs::metadata(&real) {
            Ok(now) if same_file(&locked, &now) => {}
            _ => continue,
        }
        let text = read(&real)?;
        let (new, out) = edit(&text)?;
        if let Some(new) = new {
            replace_atomically(&real, new.as_bytes(), &locked)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        drop(file);
        return Ok(out);
    }
    bail!("cannot lock {}: the file keeps being replaced", path.display())
}

fn temp_path(real: &Path) -> PathBuf {
    let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    real.with_file_name(format!(".{name}.cachectl-{}-{nanos}.tmp", std::process::id()))
}

fn replace_atomically(real: &Path, bytes: &[u8], old: &fs::Metadata) -> Result<()> {
    let tmp = temp_path(real);
    let result = (|| -> Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.set_permissions(old.permissions())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, real)?;
        if let Some(dir) = real.parent() {
            // Make the rename itself durable; not all platforms allow opening a directory.
            if let Ok(d) = File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
