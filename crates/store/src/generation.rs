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
use serde_json::{json, Value};

use crate::audit::{self, Action};
use crate::drafts::{touch, writable_status};
use crate::error::{Error, Result};
use crate::records::{DraftId, Interrupted, Origin, Provenance, Version, VersionState};
use crate::store::Store;
use crate::time::Timestamp;
use crate::versions::{insert_version, NewVersion};

/// The longest stretch of streamed text a crash may lose.
pub const AUTOSAVE_INTERVAL: Duration = Duration::from_secs(1);

/// A generation being streamed into a draft. Dropping it without
/// `Store::finish_generation` leaves the version `en_curso`; the next open
/// (in any process) marks it interrupted.
#[derive(Debug)]
pub struct Generation {
    pub(crate) row_id: i64,
    /// The draft the text goes into.
    pub draft_id: DraftId,
    /// The version being written.
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

    /// Whether the autosave interval has passed since the last save: a
    /// caller whose text costs something to assemble asks before it does.
    pub fn due(&self) -> bool {
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

impl Store {
    /// Starts streaming a model's text into a new version of `draft`.
    pub fn begin_generation(
        &mut self,
        draft: DraftId,
        provenance: Provenance,
    ) -> Result<Generation> {
        let path = self.path.clone();
        let change = self.change()?;
        writable_status(&change, draft, "generado")?;
        let new = NewVersion {
            provenance,
            ..NewVersion::default()
        };
        let (number, row_id) = change.sql(|tx| {
            let number =
                insert_version(tx, draft, Origin::Modelo, VersionState::EnCurso, &new, None)?;
            Ok((number, tx.last_insert_rowid()))
        })?;
        // Lock before commit: no other process can see the row unlocked.
        let generation = Generation::start(&path, row_id, draft, number)?;
        change.commit_pending()?;
        Ok(generation)
    }

    /// Saves the text streamed so far if the autosave interval has passed.
    /// Call it on every token; returns whether it wrote.
    pub fn save_partial(&mut self, generation: &mut Generation, text: &str) -> Result<bool> {
        if !generation.due() || text.len() == generation.saved_len {
            return Ok(false);
        }
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE versions SET text = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'en_curso'",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![generation.row_id, text, Timestamp::now().millis()])
            })
            .map_err(self.err())?;
        if changed == 0 {
            return Err(Error::NotGenerating(generation.number));
        }
        generation.last_save = Instant::now();
        generation.saved_len = text.len();
        Ok(true)
    }

    /// Completes a generation with its final text (also when cancelled or
    /// failed: the timings say why it ended). When that write fails (a full
    /// disk, a file locked too long), the version is marked interrupted at
    /// once, as the next open would mark it, so that no version stays
    /// `en_curso` while this process lives: what the last autosave kept is
    /// offered for resume or discard.
    pub fn finish_generation(
        &mut self,
        generation: Generation,
        text: &str,
        timings: Option<Value>,
        findings: Vec<clinical::Finding>,
    ) -> Result<Version> {
        let finished = self.complete_generation(&generation, text, timings, findings);
        if finished.is_err() {
            if let Err(also) = self.interrupt_generation(&generation) {
                log::warn!(
                    "a generation could not be marked interrupted: {}",
                    also.kind()
                );
            }
        }
        drop(generation);
        finished
    }

    fn interrupt_generation(&mut self, generation: &Generation) -> Result<()> {
        let change = self.change()?;
        let chars: Option<i64> = change.sql(|tx| {
            let changed = tx.execute(
                "UPDATE versions SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state = ?4",
                params![
                    generation.row_id,
                    VersionState::Interrumpida,
                    Timestamp::now().millis(),
                    VersionState::EnCurso
                ],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            tx.query_row(
                "SELECT length(text) FROM versions WHERE id = ?1",
                [generation.row_id],
                |row| row.get(0),
            )
            .map(Some)
        })?;
        // Already settled elsewhere: nothing to change or audit.
        let Some(chars) = chars else {
            return Ok(());
        };
        change.commit_text(
            Action::Interrupted,
            generation.draft_id,
            Some(generation.number),
            json!({ "caracteres": chars }),
        )
    }

    fn complete_generation(
        &mut self,
        generation: &Generation,
        text: &str,
        timings: Option<Value>,
        findings: Vec<clinical::Finding>,
    ) -> Result<Version> {
        let (draft, number) = (generation.draft_id, generation.number);
        let change = self.change()?;
        let changed = change.sql(|tx| {
            let changed = tx.execute(
                "UPDATE versions SET text = ?2, timings = ?3, findings = ?4, state = ?5,
                 updated_at = ?6 WHERE id = ?1 AND state = ?7",
                params![
                    generation.row_id,
                    text,
                    timings.map(|t| t.to_string()),
                    crate::versions::findings_column(&findings)?,
                    VersionState::Completa,
                    Timestamp::now().millis(),
                    VersionState::EnCurso,
                ],
            )?;
            touch(tx, draft)?;
            Ok(changed)
        })?;
        if changed == 0 {
            return Err(Error::NotGenerating(number));
        }
        change.commit_text(
            Action::Generated,
            draft,
            Some(number),
            json!({ "origen": Origin::Modelo.as_str() }),
        )?;
        self.version(draft, number)
    }

    /// Keeps an interrupted generation's partial text as a complete version,
    /// for the clinician to edit or regenerate from.
    pub fn resume_interrupted(&mut self, draft: DraftId, number: i64) -> Result<Version> {
        self.settle_interrupted(draft, number, true)?;
        self.version(draft, number)
    }

    /// Drops an interrupted generation. The audit keeps its length.
    pub fn discard_interrupted(&mut self, draft: DraftId, number: i64) -> Result<()> {
        self.settle_interrupted(draft, number, false)
    }

    fn settle_interrupted(&mut self, draft: DraftId, number: i64, keep: bool) -> Result<()> {
        let version = self.version(draft, number)?;
        if version.state != VersionState::Interrumpida {
            return Err(Error::NotGenerating(number));
        }
        let change = self.change()?;
        change.sql(|tx| {
            if keep {
                tx.execute(
                    "UPDATE versions SET state = ?3 WHERE draft_id = ?1 AND number = ?2",
                    params![draft, number, VersionState::Completa],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM versions WHERE draft_id = ?1 AND number = ?2",
                    params![draft, number],
                )?;
            }
            touch(tx, draft)
        })?;
        let action = if keep {
            Action::InterruptionResumed
        } else {
            Action::InterruptionDiscarded
        };
        change.commit_text(
            action,
            draft,
            Some(number),
            json!({ "caracteres": version.text.chars().count() }),
        )
    }
}

fn lock_dir(db_path: &Path) -> PathBuf {
    crate::paths::sibling(db_path, ".generando")
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

/// Marks the generations of dead processes interrupted and lists them;
/// each one marked is audited, as `actor`, with the text it kept.
pub(crate) fn mark_interrupted(
    conn: &Connection,
    db_path: &Path,
    actor: &str,
) -> Result<Vec<Interrupted>> {
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
                row.get::<_, VersionState>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .map_err(sql_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql_error)?;
    let mut found = Vec::new();
    for (row_id, draft_id, version, state, chars, patient_name) in rows {
        if state == VersionState::EnCurso {
            if held_elsewhere(db_path, row_id) {
                continue;
            }
            // One transaction per row: the state and its audit line
            // together, or neither.
            let tx = conn.unchecked_transaction().map_err(sql_error)?;
            tx.execute(
                "UPDATE versions SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![
                    row_id,
                    VersionState::Interrumpida,
                    Timestamp::now().millis()
                ],
            )
            .and_then(|_| {
                audit::write(
                    &tx,
                    actor,
                    Action::Interrupted,
                    Some(draft_id),
                    Some(version),
                    &json!({ "caracteres": chars }),
                )
            })
            .map_err(sql_error)?;
            tx.commit().map_err(sql_error)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The last write of a generation fails (here: the disk is full, with
    /// `max_page_count`): the error is returned, and the version is not
    /// left `en_curso` for the rest of the session but marked interrupted
    /// now, keeping what the last autosave wrote, and audited.
    #[test]
    fn a_generation_whose_last_write_fails_is_interrupted_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, draft) =
            crate::store::testing::open_with_draft(&dir.path().join("e.sqlite3"));
        let mut generation = store
            .begin_generation(draft, Provenance::default())
            .unwrap();
        generation.last_save = Instant::now() - AUTOSAVE_INTERVAL;
        assert!(store
            .save_partial(&mut generation, "Paciente de 67 años")
            .unwrap());
        crate::store::testing::limit_pages(&store, 0);

        let whole = "Evolución favorable, afebril, tolera régimen. ".repeat(2_000);
        let error = store
            .finish_generation(generation, &whole, None, Vec::new())
            .err();
        assert!(matches!(error, Some(Error::DiskFull { .. })), "{error:?}");

        let version = store.version(draft, 1).unwrap();
        assert_eq!(version.state, VersionState::Interrumpida);
        assert_eq!(version.text, "Paciente de 67 años");
        let trail = store.audit_trail(Some(draft)).unwrap();
        assert_eq!(
            trail.last().map(|line| line.action),
            Some(Action::Interrupted)
        );
        // Offered like any interruption: kept, it is a whole version.
        store
            .conn
            .pragma_update(None, "max_page_count", 1_000_000)
            .unwrap();
        let kept = store.resume_interrupted(draft, 1).unwrap();
        assert_eq!(kept.state, VersionState::Completa);
    }
}
