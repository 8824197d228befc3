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

/// Which file a path names: device and inode, so a file reached by two paths (a symlink,
/// `a/../b`) is read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(u64, u64);

#[cfg(unix)]
fn file_id(meta: &fs::Metadata, _: &Path) -> FileId {
    FileId(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(_: &fs::Metadata, path: &Path) -> FileId {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).hash(&mut h);
    FileId(0, h.finish())
}

/// Reads a Nix file as UTF-8 with its identity, in one open: refuses a directory, and a
/// file larger than `max` bytes (`None` means no limit).
pub fn read_nix(path: &Path, max: Option<u64>) -> Result<(String, FileId)> {
    use std::io::Read;
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let meta = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        bail!("{} is a directory, not a Nix file", path.display());
    }
    if max.is_some_and(|m| meta.len() > m) {
        bail!("{} is larger than {} bytes", path.display(), max.unwrap_or_default());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    Ok((text, file_id(&meta, path)))
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
