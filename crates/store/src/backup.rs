//! Backups through SQLite's online backup API, which copies a consistent
//! snapshot while the app keeps writing (a file copy of a WAL database
//! could catch it half-way).

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::time::Timestamp;

const PREFIX: &str = "epicrisis-";
const SUFFIX: &str = ".sqlite3";

/// The folder of automatic backups: `respaldos/` beside the database.
pub fn folder(db_path: &Path) -> PathBuf {
    db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("respaldos")
}

/// Copies the database to `target` (which must not be the database itself).
pub(crate) fn to_path(conn: &Connection, db_path: &Path, target: &Path) -> Result<()> {
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
    }
    // Backing up into an existing file would merge nothing and overwrite
    // it; write beside it and rename, so a failed backup leaves the old one.
    let partial = crate::paths::sibling(target, ".parcial");
    conn.backup(
        rusqlite::MAIN_DB,
        &partial,
        None::<fn(rusqlite::backup::Progress)>,
    )
    .map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        match Error::sqlite(target, e) {
            Error::Sqlite { path, source } => Error::Io {
                path,
                reason: format!(
                    "no se pudo escribir el respaldo de {}: {source}",
                    db_path.display()
                ),
            },
            other => other,
        }
    })?;
    std::fs::rename(&partial, target).map_err(|e| Error::io(target, &e))
}

/// Makes today's backup unless it exists, then keeps only the newest
/// `keep`. Returns the backup made, if any.
pub(crate) fn daily(
    conn: &Connection,
    db_path: &Path,
    now: Timestamp,
    keep: usize,
) -> Result<Option<PathBuf>> {
    let dir = folder(db_path);
    let target = dir.join(format!("{PREFIX}{}{SUFFIX}", now.day()));
    if target.exists() {
        return Ok(None);
    }
    to_path(conn, db_path, &target)?;
    let all = list(db_path);
    for old in all.iter().take(all.len().saturating_sub(keep.max(1))) {
        std::fs::remove_file(old).map_err(|e| Error::io(old, &e))?;
    }
    Ok(Some(target))
}

/// The automatic backups, oldest first (names sort by date).
pub fn list(db_path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder(db_path)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    found.sort();
    found
}

pub(crate) fn newest(db_path: &Path) -> Option<PathBuf> {
    list(db_path).pop()
}
