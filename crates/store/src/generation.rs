//! Streaming safety. A generation is a version in state `en_curso` whose
//! text is rewritten at least once a second while the model streams, so a
//! crash loses at most a second of text.
//!
//! The app and the command line may share the database, so "in progress"
//! cannot mean "dead" on open. Each generation holds an OS lock on a file of
//! its own; the OS drops the lock when the process dies, however it dies.
//! On open, an `en_curso` version whose lock can be taken belongs to a dead
//! process and is marked `interrumpida`.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use crate::error::{Error, Result};
use crate::records::{DraftId, Interrupted};
use crate::time::Timestamp;

/// The longest stretch of streamed text a crash may lose.
pub const AUTOSAVE_INTERVAL: Duration = Duration::from_secs(1);

/// A generation being streamed into a draft. Dropping it without
/// `Store::finish_generation` leaves the version `en_curso`; the next open
/// (in any process) marks it interrupted.
#[derive(Debug)]
pub struct Generation {
    pub(crate) row_id: i64,
    pub draft_id: DraftId,
    pub number: i64,
    pub(crate) last_save: Instant,
    pub(crate) saved_len: usize,
    _lock: File,
    lock_path: PathBuf,
}

impl Generation {
    pub(crate) fn start(
        db_path: &Path,
        row_id: i64,
        draft_id: DraftId,
        number: i64,
    ) -> Result<Generation> {
        let lock_path = lock_path(db_path, row_id);
        if let Some(dir) = lock_path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, &e))?;
        lock.lock().map_err(|e| Error::io(&lock_path, &e))?;
        Ok(Generation {
            row_id,
            draft_id,
            number,
            last_save: Instant::now(),
            saved_len: 0,
            _lock: lock,
            lock_path,
        })
    }

    /// Whether the autosave interval has passed since the last save.
    pub(crate) fn due(&self) -> bool {
        self.last_save.elapsed() >= AUTOSAVE_INTERVAL
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        // Only a finished generation's row has left `en_curso`; an
        // abandoned one keeps its (unlocked) file so the next open marks
        // it interrupted either way.
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

fn lock_dir(db_path: &Path) -> PathBuf {
    crate::open::sibling(db_path, ".generando")
}

fn lock_path(db_path: &Path, row_id: i64) -> PathBuf {
    lock_dir(db_path).join(format!("{row_id}.lock"))
}

/// True when a live process holds the generation's lock.
fn held_elsewhere(db_path: &Path, row_id: i64) -> bool {
    let path = lock_path(db_path, row_id);
    let Ok(file) = File::options().write(true).open(&path) else {
        return false;
    };
    matches!(file.try_lock(), Err(TryLockError::WouldBlock))
}

/// Marks the generations of dead processes interrupted and lists them.
pub(crate) fn mark_interrupted(conn: &Connection, db_path: &Path) -> Result<Vec<Interrupted>> {
    let sql_error = |e| Error::sqlite(db_path, e);
    let mut stmt = conn
        .prepare(
            "SELECT v.id, v.draft_id, v.number, v.state, length(v.text), e.patient_name
             FROM versions v JOIN drafts d ON d.id = v.draft_id
             JOIN episodes e ON e.id = d.episode_id
             WHERE v.state <> 'completa' AND d.deleted_at IS NULL
             ORDER BY v.id",
        )
        .map_err(sql_error)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .map_err(sql_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql_error)?;
    let mut found = Vec::new();
    for (row_id, draft_id, version, state, chars, patient_name) in rows {
        if state == "en_curso" {
            if held_elsewhere(db_path, row_id) {
                continue;
            }
            conn.execute(
                "UPDATE versions SET state = 'interrumpida', updated_at = ?2 WHERE id = ?1",
                params![row_id, Timestamp::now().millis()],
            )
            .map_err(sql_error)?;
            let _ = std::fs::remove_file(lock_path(db_path, row_id));
        }
        found.push(Interrupted {
            draft_id,
            version,
            patient_name,
            chars: usize::try_from(chars).unwrap_or(0),
        });
    }
    Ok(found)
}
