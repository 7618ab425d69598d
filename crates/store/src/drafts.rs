//! Drafts: creating one for an episode, moving it through its statuses,
//! the bin and the purge, noting exports, and reading it back with the
//! columns the drafts list shows and searches.

use std::path::Path;

use clinical::Episode;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::audit::Action;
use crate::change::Change;
use crate::error::{Error, Result};
use crate::records::{Draft, DraftId, DraftSummary, Status};
use crate::store::Store;
use crate::time::Timestamp;

impl Store {
    /// Starts a draft for an episode. `episode_json` is kept as given; the
    /// listing columns come from the parsed `episode`.
    pub fn create_draft(&mut self, episode_json: &str, episode: &Episode) -> Result<DraftId> {
        let change = self.change()?;
        let id = change.sql(|tx| {
            let episode_id = upsert_episode(tx, episode_json, episode)?;
            insert_draft(tx, episode_id, None)
        })?;
        change.commit(Action::Created, Some(id), None, json!({}))?;
        Ok(id)
    }

    /// Moves a draft along `borrador → revisado → final` (or back from
    /// `revisado` to `borrador`). `final` is for good.
    pub fn set_status(&mut self, draft: DraftId, to: Status) -> Result<()> {
        let change = self.change()?;
        let from = live_status(&change, draft)?;
        if from == to {
            return Ok(());
        }
        if !from.may_become(to) {
            return Err(Error::Transition {
                draft,
                from: from.as_str(),
                to: to.as_str(),
            });
        }
        let generating: bool = change.sql(|tx| {
            tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM versions WHERE draft_id = ?1 AND state <> 'completa')",
                [draft],
                |row| row.get(0),
            )
        })?;
        if generating && to == Status::Final {
            return Err(Error::Transition {
                draft,
                from: "con generación pendiente",
                to: to.as_str(),
            });
        }
        change.sql(|tx| {
            tx.execute(
                "UPDATE drafts SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![draft, to, Timestamp::now().millis()],
            )
        })?;
        change.commit(
            Action::StatusChanged,
            Some(draft),
            None,
            json!({ "de": from.as_str(), "a": to.as_str() }),
        )
    }

    /// Notes in the audit trail that a version was exported, and where.
    pub fn record_export(
        &mut self,
        draft: DraftId,
        version: i64,
        path: &Path,
        format: &str,
    ) -> Result<()> {
        self.version(draft, version)?;
        self.change()?.commit(
            Action::Exported,
            Some(draft),
            Some(version),
            json!({ "ruta": path.display().to_string(), "formato": format }),
        )
    }

    /// Moves a draft to the bin. It stays restorable until purged.
    pub fn delete_draft(&mut self, draft: DraftId) -> Result<()> {
        self.set_deleted(draft, true)
    }

    /// Brings a draft back from the bin.
    pub fn undelete_draft(&mut self, draft: DraftId) -> Result<()> {
        self.set_deleted(draft, false)
    }

    fn set_deleted(&mut self, draft: DraftId, deleted: bool) -> Result<()> {
        let change = self.change()?;
        let was: Option<Option<i64>> = change.sql(|tx| {
            tx.query_row(
                "SELECT deleted_at FROM drafts WHERE id = ?1",
                [draft],
                |row| row.get(0),
            )
            .optional()
        })?;
        let Some(was) = was else {
            return Err(Error::NoSuchDraft(draft));
        };
        if was.is_some() == deleted {
            return Ok(());
        }
        let now = Timestamp::now().millis();
        change.sql(|tx| {
            tx.execute(
                "UPDATE drafts SET deleted_at = ?2, updated_at = ?3 WHERE id = ?1",
                params![draft, deleted.then_some(now), now],
            )
        })?;
        let action = if deleted {
            Action::Deleted
        } else {
            Action::Undeleted
        };
        change.commit(action, Some(draft), None, json!({}))
    }

    /// Erases for good the drafts deleted more than the
    /// [`PURGE_AFTER_DAYS`](crate::PURGE_AFTER_DAYS) setting's days ago
    /// (nothing when it is off). The purge itself is audited
    /// with the drafts it erased. Returns how many.
    pub fn purge_expired(&mut self) -> Result<usize> {
        let Some(days) = self.setting::<u32>(crate::PURGE_AFTER_DAYS)? else {
            return Ok(0);
        };
        self.purge_deleted_before(Timestamp(
            Timestamp::now().millis() - i64::from(days) * 86_400_000,
        ))
    }

    pub(crate) fn purge_deleted_before(&mut self, cutoff: Timestamp) -> Result<usize> {
        let change = self.change()?;
        let ids: Vec<i64> = change.sql(|tx| {
            let mut stmt = tx.prepare(
                "SELECT id FROM drafts WHERE deleted_at IS NOT NULL AND deleted_at < ?1 ORDER BY id",
            )?;
            let ids = stmt
                .query_map([cutoff.millis()], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>();
            ids
        })?;
        if ids.is_empty() {
            return Ok(0);
        }
        change.sql(|tx| {
            for id in &ids {
                tx.execute("DELETE FROM search WHERE rowid = ?1", [id])?;
                tx.execute("DELETE FROM versions WHERE draft_id = ?1", [id])?;
                tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
            }
            tx.execute(
                "DELETE FROM episodes WHERE id NOT IN (SELECT episode_id FROM drafts)",
                [],
            )
        })?;
        let erased = ids.len();
        change.commit(
            Action::Purged,
            None,
            None,
            json!({ "borradores": ids, "eliminados_antes_de": cutoff.to_string() }),
        )?;
        Ok(erased)
    }

    /// A draft with its episode as given, for opening it.
    pub fn draft(&self, id: DraftId) -> Result<Draft> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, d.parent_draft_id, d.created_at, e.json
                     FROM drafts d JOIN episodes e ON e.id = d.episode_id WHERE d.id = ?1"
                ),
                [id],
                |row| {
                    Ok(Draft {
                        summary: summary_from_row(row)?,
                        parent_draft_id: row.get(SUMMARY_WIDTH)?,
                        created_at: Timestamp(row.get(SUMMARY_WIDTH + 1)?),
                        episode_json: row.get(SUMMARY_WIDTH + 2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())?
            .ok_or(Error::NoSuchDraft(id))
    }
}

/// Checks that a draft can take a new text (`doing` names the change for
/// the error): it exists, is not deleted and is not final.
pub(crate) fn writable_status(
    change: &Change<'_>,
    draft: DraftId,
    doing: &'static str,
) -> Result<Status> {
    let status = live_status(change, draft)?;
    if status == Status::Final {
        return Err(Error::Transition {
            draft,
            from: status.as_str(),
            to: doing,
        });
    }
    Ok(status)
}

/// The status of a draft that may be changed: it exists and is not deleted.
pub(crate) fn live_status(change: &Change<'_>, draft: DraftId) -> Result<Status> {
    let row: Option<(Status, Option<i64>)> = change.sql(|tx| {
        tx.query_row(
            "SELECT status, deleted_at FROM drafts WHERE id = ?1",
            [draft],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
    })?;
    match row {
        None => Err(Error::NoSuchDraft(draft)),
        Some((_, Some(_))) => Err(Error::Deleted(draft)),
        Some((status, None)) => Ok(status),
    }
}

pub(crate) fn touch(conn: &Connection, draft: DraftId) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE drafts SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![draft, Timestamp::now().millis()])?;
    Ok(())
}

/// The listing columns of an episode, as they are shown and searched.
pub(crate) struct EpisodeColumns {
    pub id_atencion: String,
    pub patient_name: String,
    pub rut: String,
    pub admission_date: Option<String>,
    pub discharge_date: Option<String>,
    pub diagnoses: String,
}

impl EpisodeColumns {
    pub(crate) fn of(episode: &Episode) -> EpisodeColumns {
        let diagnoses = episode
            .diagnostico_egreso
            .iter()
            .map(|d| match &d.codigo {
                Some(code) if d.nombre.is_empty() => code.clone(),
                Some(code) => format!("{} ({code})", d.nombre),
                None => d.nombre.clone(),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        EpisodeColumns {
            id_atencion: episode.id_atencion.clone().unwrap_or_default(),
            patient_name: episode.paciente.nombre.clone().unwrap_or_default(),
            rut: episode.paciente.rut.clone().unwrap_or_default(),
            admission_date: episode.atencion.fecha_ingreso.clone(),
            discharge_date: episode.atencion.fecha_alta.clone(),
            diagnoses,
        }
    }
}

/// Inserts the episode, or reuses it when the same JSON was stored before.
pub(crate) fn upsert_episode(
    conn: &Connection,
    episode_json: &str,
    episode: &Episode,
) -> rusqlite::Result<i64> {
    let columns = EpisodeColumns::of(episode);
    let existing: Option<i64> = conn
        .prepare_cached("SELECT id FROM episodes WHERE id_atencion = ?1 AND json = ?2")?
        .query_row(params![columns.id_atencion, episode_json], |row| row.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO episodes (id_atencion, patient_name, rut, admission_date,
         discharge_date, diagnoses, json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        columns.id_atencion,
        columns.patient_name,
        columns.rut,
        columns.admission_date,
        columns.discharge_date,
        columns.diagnoses,
        episode_json,
        Timestamp::now().millis()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Inserts a draft of an episode and indexes it.
pub(crate) fn insert_draft(
    conn: &Connection,
    episode_id: i64,
    parent: Option<DraftId>,
) -> rusqlite::Result<DraftId> {
    conn.prepare_cached(
        "INSERT INTO drafts (episode_id, status, parent_draft_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![
        episode_id,
        Status::Borrador,
        parent,
        Timestamp::now().millis()
    ])?;
    let id = conn.last_insert_rowid();
    reindex(conn, id)?;
    Ok(id)
}

/// Rewrites the draft's row of the search index from its newest version.
pub(crate) fn reindex(conn: &Connection, draft: DraftId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
        .execute([draft])?;
    conn.prepare_cached(
        "INSERT INTO search (rowid, patient, rut, diagnoses, text)
         SELECT d.id, e.patient_name,
                e.rut || ' ' || replace(replace(e.rut, '.', ''), '-', ''),
                e.diagnoses,
                coalesce((SELECT v.text FROM versions v WHERE v.draft_id = d.id
                          ORDER BY v.number DESC LIMIT 1), '')
         FROM drafts d JOIN episodes e ON e.id = d.episode_id WHERE d.id = ?1",
    )?
    .execute([draft])?;
    Ok(())
}

pub(crate) const SUMMARY_COLUMNS: &str = "d.id, d.status, e.patient_name, e.rut, e.id_atencion,
    e.discharge_date, e.diagnoses,
    (SELECT count(*) FROM versions v WHERE v.draft_id = d.id),
    EXISTS(SELECT 1 FROM versions v WHERE v.draft_id = d.id AND v.state = 'interrumpida'),
    d.deleted_at IS NOT NULL, d.updated_at";
pub(crate) const SUMMARY_WIDTH: usize = 11;

pub(crate) fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DraftSummary> {
    Ok(DraftSummary {
        id: row.get(0)?,
        status: row.get(1)?,
        patient_name: row.get(2)?,
        rut: row.get(3)?,
        id_atencion: row.get(4)?,
        discharge_date: row.get(5)?,
        diagnoses: row.get(6)?,
        versions: row.get(7)?,
        interrupted: row.get(8)?,
        deleted: row.get(9)?,
        updated_at: Timestamp(row.get(10)?),
    })
}
