//! Opening the database: health check, moving a damaged file aside,
//! restoring from the newest backup, pragmas, migrations, the day's backup
//! and finding generations that a dead process left half-written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::paths::sibling;
use crate::records::Interrupted;
use crate::time::Timestamp;
use crate::{backup, generation, schema};

/// How long a write waits for another process (the app and the command
/// line share the file) before giving up with `Error::Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What happened while opening, for the app to tell the clinician.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct OpenReport {
    /// Where a damaged database file was moved (it is never deleted).
    pub moved_aside: Option<PathBuf>,
    /// The backup the store was restored from after moving a damaged file.
    pub restored_from: Option<PathBuf>,
    /// The day's automatic backup, when this open made it.
    pub backup: Option<PathBuf>,
    /// Why the day's backup could not be made; the store works regardless.
    pub backup_error: Option<String>,
    /// Generations whose process died mid-stream.
    pub interrupted: Vec<Interrupted>,
    /// The file is write-protected: drafts can be read, not changed.
    pub read_only: bool,
    /// The schema version found, when the open migrated the file.
    pub migrated_from: Option<i64>,
}

impl OpenReport {
    /// One line for the support log: what opening found, never a path (a
    /// backup's or a moved file's name says nothing support needs) and
    /// never a patient's name.
    pub fn log(&self) {
        log::info!(
            "store opened: read-only {}, migrated from {:?}, daily backup {}, interrupted generations {}, moved aside {}, restored {}",
            self.read_only,
            self.migrated_from,
            match (&self.backup, &self.backup_error) {
                (Some(_), _) => "made",
                (None, Some(_)) => "failed",
                (None, None) => "already there",
            },
            self.interrupted.len(),
            self.moved_aside.is_some(),
            self.restored_from.is_some()
        );
    }
}

/// Choices made by the caller, not by the file.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Who the audit trail names; the OS user by default.
    pub actor: String,
    /// Make the first backup of each day on open.
    pub daily_backup: bool,
    /// How many daily backups to keep.
    pub keep_backups: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            actor: os_user(),
            daily_backup: true,
            keep_backups: 7,
        }
    }
}

/// The OS user, as the audit trail's "who".
pub fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "desconocido".to_string())
}

pub(crate) struct Opened {
    pub conn: Connection,
    pub report: OpenReport,
}

pub(crate) fn open(path: &Path, options: &OpenOptions) -> Result<Opened> {
    let mut report = OpenReport::default();
    if path.is_dir() {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: "es una carpeta; indique un archivo".into(),
        });
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
    }
    // Root ignores permission bits, so a write-protected file is opened
    // read-only on purpose rather than relying on the OS to refuse writes.
    report.read_only = std::fs::metadata(path)
        .map(|m| m.permissions().readonly())
        .unwrap_or(false);

    let mut conn = connect(path, report.read_only)?;
    if !healthy(&conn, path)? {
        if report.read_only {
            return Err(Error::Open {
                path: path.to_path_buf(),
                reason: "el archivo está dañado y es de solo lectura; cópielo a una carpeta con permiso de escritura".into(),
            });
        }
        drop(conn);
        report.moved_aside = Some(move_aside(path)?);
        if let Some(newest) = backup::newest(path) {
            std::fs::copy(&newest, path).map_err(|e| Error::io(path, &e))?;
            report.restored_from = Some(newest);
        }
        conn = connect(path, false)?;
        if !healthy(&conn, path)? {
            return Err(Error::Open {
                path: path.to_path_buf(),
                reason: "el respaldo más reciente también está dañado; el archivo dañado quedó a un lado".into(),
            });
        }
    }

    configure(&conn, report.read_only).map_err(|e| Error::sqlite(path, e))?;
    let found = schema::user_version(&conn).map_err(|e| Error::sqlite(path, e))?;
    if found > schema::CURRENT_VERSION {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            found,
            known: schema::CURRENT_VERSION,
        });
    }
    if found < schema::CURRENT_VERSION {
        if report.read_only {
            return Err(Error::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        schema::migrate(&mut conn).map_err(|e| Error::sqlite(path, e))?;
        if found > 0 {
            report.migrated_from = Some(found);
        }
    }

    if !report.read_only {
        report.interrupted = generation::mark_interrupted(&conn, path, &options.actor)?;
        if options.daily_backup {
            match backup::daily(&conn, path, Timestamp::now(), options.keep_backups) {
                Ok(made) => report.backup = made,
                Err(error) => report.backup_error = Some(error.to_string()),
            }
        }
    }
    Ok(Opened { conn, report })
}

fn connect(path: &Path, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    Connection::open_with_flags(path, flags).map_err(|e| Error::Open {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// `quick_check`: seconds on a large file, but it catches a damaged or
/// foreign file before anything is written to it.
fn healthy(conn: &Connection, path: &Path) -> Result<bool> {
    let result = conn.query_row("PRAGMA quick_check", [], |row| row.get::<_, String>(0));
    match result {
        Ok(verdict) => Ok(verdict == "ok"),
        Err(error) => match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Ok(false),
            _ => Err(Error::sqlite(path, error)),
        },
    }
}

fn configure(conn: &Connection, read_only: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    if !read_only {
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        // FULL: a commit that returned survives a power cut, not only a
        // killed process. Measured cost in docs/benchmarks.md.
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    Ok(())
}

/// Renames the file and its WAL companions to `<name>.danado-<instant>`.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = Timestamp::now().to_string().replace([':', '-'], "");
    let aside = sibling(path, &format!(".danado-{stamp}"));
    std::fs::rename(path, &aside).map_err(|e| Error::io(path, &e))?;
    for suffix in ["-wal", "-shm"] {
        let companion = sibling(path, suffix);
        if companion.exists() {
            let target = sibling(&aside, suffix);
            std::fs::rename(&companion, &target).map_err(|e| Error::io(&companion, &e))?;
        }
    }
    Ok(aside)
}
