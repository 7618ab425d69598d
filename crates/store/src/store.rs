//! The `Store`: one open database and every change a clinician can make.
//! Each public method that writes does so in one transaction, audited in
//! the same transaction, so the trail and the data cannot disagree.

use std::path::{Path, PathBuf};

use clinical::Episode;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::generation::Generation;
use crate::open::{OpenOptions, OpenReport};
use crate::records::{
    AuditEntry, Draft, DraftId, DraftSummary, Origin, Provenance, Status, Version, VersionState,
};
use crate::time::Timestamp;

pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    actor: String,
    read_only: bool,
}

/// A text to keep as a new version.
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    pub text: String,
    pub provenance: Provenance,
    pub timings: Option<Value>,
    /// The faithfulness findings, as `clinical::verify` gives them.
    pub findings: Value,
}

/// Audit actions, as stored. English identifiers: they are data for tools.
pub(crate) mod action {
    pub const CREATED: &str = "created";
    pub const GENERATED: &str = "generated";
    pub const EDITED: &str = "edited";
    pub const RESTORED_VERSION: &str = "restored_version";
    pub const STATUS_CHANGED: &str = "status_changed";
    pub const EXPORTED: &str = "exported";
    pub const DELETED: &str = "deleted";
    pub const UNDELETED: &str = "undeleted";
    pub const PURGED: &str = "purged";
    pub const INTERRUPTION_RESUMED: &str = "interruption_resumed";
    pub const INTERRUPTION_DISCARDED: &str = "interruption_discarded";
    pub const BACKUP: &str = "backup";
    pub const SETTINGS_CHANGED: &str = "settings_changed";
}

impl Store {
    /// Opens (creating if needed) the database at `path`. See `OpenReport`
    /// for what the app should tell the user afterwards.
    pub fn open(path: &Path, options: OpenOptions) -> Result<(Store, OpenReport)> {
        let opened = crate::open::open(path, &options)?;
        let store = Store {
            conn: opened.conn,
            path: path.to_path_buf(),
            actor: options.actor,
            read_only: opened.report.read_only,
        };
        Ok((store, opened.report))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |e| Error::sqlite(&self.path, e)
    }

    pub(crate) fn begin(&mut self) -> Result<Transaction<'_>> {
        if self.read_only {
            return Err(Error::ReadOnly {
                path: self.path.clone(),
            });
        }
        let path = self.path.clone();
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(move |e| Error::sqlite(&path, e))
    }

    /// Starts a draft for an episode. `episode_json` is kept as given; the
    /// listing columns come from the parsed `episode`.
    pub fn create_draft(&mut self, episode_json: &str, episode: &Episode) -> Result<DraftId> {
        let actor = self.actor.clone();
        let tx = self.begin()?;
        let id = upsert_episode(&tx, episode_json, episode)
            .and_then(|episode_id| insert_draft(&tx, episode_id, None))
            .map_err(|e| sql(&tx, e))?;
        audit(&tx, &actor, action::CREATED, Some(id), None, json!({})).map_err(|e| sql(&tx, e))?;
        commit(tx)?;
        Ok(id)
    }

    /// Keeps a generated, deterministic or edited text as the draft's next
    /// version. A final draft takes no versions: edit it with `save_edit`.
    pub fn add_version(
        &mut self,
        draft: DraftId,
        origin: Origin,
        version: NewVersion,
    ) -> Result<Version> {
        let actor = self.actor.clone();
        let tx = self.begin()?;
        writable_status(&tx, draft, "editado")?;
        let number = insert_version(&tx, draft, origin, VersionState::Completa, &version, None)
            .map_err(|e| sql(&tx, e))?;
        let what = if origin == Origin::Edicion {
            action::EDITED
        } else {
            action::GENERATED
        };
        text_changed(
            tx,
            &actor,
            what,
            draft,
            Some(number),
            json!({ "origen": origin.as_str() }),
        )?;
        self.version(draft, number)
    }

    /// Saves a clinician's edit. On a final draft this starts a new draft
    /// that points back to it, since a final draft is never changed.
    /// Returns the draft that holds the edit.
    pub fn save_edit(&mut self, draft: DraftId, text: &str, findings: Value) -> Result<Version> {
        let summary = self.draft(draft)?.summary;
        if summary.deleted {
            return Err(Error::Deleted(draft));
        }
        if summary.status != Status::Final {
            return self.add_version(
                draft,
                Origin::Edicion,
                NewVersion {
                    text: text.to_string(),
                    findings,
                    ..NewVersion::default()
                },
            );
        }
        let actor = self.actor.clone();
        let tx = self.begin()?;
        let episode_id: i64 = tx
            .query_row(
                "SELECT episode_id FROM drafts WHERE id = ?1",
                [draft],
                |row| row.get(0),
            )
            .map_err(|e| sql(&tx, e))?;
        let child = insert_draft(&tx, episode_id, Some(draft)).map_err(|e| sql(&tx, e))?;
        audit(
            &tx,
            &actor,
            action::CREATED,
            Some(child),
            None,
            json!({ "desde_final": draft }),
        )
        .map_err(|e| sql(&tx, e))?;
        let new = NewVersion {
            text: text.to_string(),
            findings,
            ..NewVersion::default()
        };
        let number = insert_version(
            &tx,
            child,
            Origin::Edicion,
            VersionState::Completa,
            &new,
            None,
        )
        .map_err(|e| sql(&tx, e))?;
        text_changed(
            tx,
            &actor,
            action::EDITED,
            child,
            Some(number),
            json!({ "origen": "edicion" }),
        )?;
        self.version(child, number)
    }

    /// Restores an old version by copying it as the newest one: nothing is
    /// overwritten, and the copy says which version it restored.
    pub fn restore_version(&mut self, draft: DraftId, number: i64) -> Result<Version> {
        let old = self.version(draft, number)?;
        let actor = self.actor.clone();
        let tx = self.begin()?;
        writable_status(&tx, draft, "editado")?;
        let copy = NewVersion {
            text: old.text,
            provenance: old.provenance,
            timings: old.timings,
            findings: old.findings,
        };
        let new_number = insert_version(
            &tx,
            draft,
            old.origin,
            VersionState::Completa,
            &copy,
            Some(number),
        )
        .map_err(|e| sql(&tx, e))?;
        text_changed(
            tx,
            &actor,
            action::RESTORED_VERSION,
            draft,
            Some(new_number),
            json!({ "restaurada": number }),
        )?;
        self.version(draft, new_number)
    }

    /// Moves a draft along `borrador → revisado → final` (or back from
    /// `revisado` to `borrador`). `final` is for good.
    pub fn set_status(&mut self, draft: DraftId, to: Status) -> Result<()> {
        let actor = self.actor.clone();
        let tx = self.begin()?;
        let from = live_status(&tx, draft)?;
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
        let generating: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM versions WHERE draft_id = ?1 AND state <> 'completa')",
                [draft],
                |row| row.get(0),
            )
            .map_err(|e| sql(&tx, e))?;
        if generating && to == Status::Final {
            return Err(Error::Transition {
                draft,
                from: "con generación pendiente",
                to: to.as_str(),
            });
        }
        tx.execute(
            "UPDATE drafts SET status = ?2, updated_at = ?3 WHERE id = ?1",
            params![draft, to.as_str(), Timestamp::now().millis()],
        )
        .map_err(|e| sql(&tx, e))?;
        audit(
            &tx,
            &actor,
            action::STATUS_CHANGED,
            Some(draft),
            None,
            json!({ "de": from.as_str(), "a": to.as_str() }),
        )
        .map_err(|e| sql(&tx, e))?;
        commit(tx)
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
        let actor = self.actor.clone();
        let tx = self.begin()?;
        audit(
            &tx,
            &actor,
            action::EXPORTED,
            Some(draft),
            Some(version),
            json!({ "ruta": path.display().to_string(), "formato": format }),
        )
        .map_err(|e| sql(&tx, e))?;
        commit(tx)
    }

    /// Moves a draft to the bin. It stays restorable until purged.
    pub fn delete_draft(&mut self, draft: DraftId) -> Result<()> {
        self.set_deleted(draft, true)
    }

    pub fn undelete_draft(&mut self, draft: DraftId) -> Result<()> {
        self.set_deleted(draft, false)
    }

    fn set_deleted(&mut self, draft: DraftId, deleted: bool) -> Result<()> {
        let actor = self.actor.clone();
        let tx = self.begin()?;
        let was: Option<Option<i64>> = tx
            .query_row(
                "SELECT deleted_at FROM drafts WHERE id = ?1",
                [draft],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| sql(&tx, e))?;
        let Some(was) = was else {
            return Err(Error::NoSuchDraft(draft));
        };
        if was.is_some() == deleted {
            return Ok(());
        }
        let now = Timestamp::now().millis();
        tx.execute(
            "UPDATE drafts SET deleted_at = ?2, updated_at = ?3 WHERE id = ?1",
            params![draft, deleted.then_some(now), now],
        )
        .map_err(|e| sql(&tx, e))?;
        let what = if deleted {
            action::DELETED
        } else {
            action::UNDELETED
        };
        audit(&tx, &actor, what, Some(draft), None, json!({})).map_err(|e| sql(&tx, e))?;
        commit(tx)
    }

    /// Erases for good the drafts deleted more than `settings.purge_after_days`
    /// ago (nothing when the setting is off). The purge itself is audited
    /// with the drafts it erased. Returns how many.
    pub fn purge_expired(&mut self) -> Result<usize> {
        let Some(days) = self.settings()?.purge_after_days else {
            return Ok(0);
        };
        self.purge_deleted_before(Timestamp(
            Timestamp::now().millis() - i64::from(days) * 86_400_000,
        ))
    }

    pub(crate) fn purge_deleted_before(&mut self, cutoff: Timestamp) -> Result<usize> {
        let actor = self.actor.clone();
        let tx = self.begin()?;
        let ids: Vec<i64> = {
            let mut stmt = tx
                .prepare("SELECT id FROM drafts WHERE deleted_at IS NOT NULL AND deleted_at < ?1 ORDER BY id")
                .map_err(|e| sql(&tx, e))?;
            stmt.query_map([cutoff.millis()], |row| row.get(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<i64>>>())
                .map_err(|e| sql(&tx, e))?
        };
        if ids.is_empty() {
            return Ok(0);
        }
        for id in &ids {
            tx.execute("DELETE FROM search WHERE rowid = ?1", [id])
                .and_then(|_| tx.execute("DELETE FROM versions WHERE draft_id = ?1", [id]))
                .and_then(|_| tx.execute("DELETE FROM drafts WHERE id = ?1", [id]))
                .map_err(|e| sql(&tx, e))?;
        }
        tx.execute(
            "DELETE FROM episodes WHERE id NOT IN (SELECT episode_id FROM drafts)",
            [],
        )
        .map_err(|e| sql(&tx, e))?;
        audit(
            &tx,
            &actor,
            action::PURGED,
            None,
            None,
            json!({ "borradores": ids, "eliminados_antes_de": cutoff.to_string() }),
        )
        .map_err(|e| sql(&tx, e))?;
        commit(tx)?;
        Ok(ids.len())
    }

    /// Copies the whole database to `target` now (online backup API).
    pub fn backup_to(&mut self, target: &Path) -> Result<()> {
        if same_file(target, &self.path) {
            return Err(Error::Io {
                path: target.to_path_buf(),
                reason: "el respaldo no puede reemplazar la base de datos; elija otro archivo"
                    .into(),
            });
        }
        crate::backup::to_path(&self.conn, &self.path, target)?;
        if !self.read_only {
            let actor = self.actor.clone();
            let tx = self.begin()?;
            audit(
                &tx,
                &actor,
                action::BACKUP,
                None,
                None,
                json!({ "ruta": target.display().to_string() }),
            )
            .map_err(|e| sql(&tx, e))?;
            commit(tx)?;
        }
        Ok(())
    }

    // ---- reading ----

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

    /// Every version of a draft, oldest first.
    pub fn versions(&self, draft: DraftId) -> Result<Vec<Version>> {
        self.draft(draft)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE draft_id = ?1 ORDER BY number"
            ))
            .map_err(self.err())?;
        stmt.query_map([draft], version_from_row)
            .and_then(|rows| rows.collect())
            .map_err(self.err())
    }

    pub fn version(&self, draft: DraftId, number: i64) -> Result<Version> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE draft_id = ?1 AND number = ?2"
                ),
                params![draft, number],
                version_from_row,
            )
            .optional()
            .map_err(self.err())?
            .ok_or(Error::NoSuchVersion {
                draft,
                version: number,
            })
    }

    /// A finished model version already written for this exact episode
    /// file by this model file (by hash) with these sampling settings, in a
    /// draft not in the bin: what `epicrisis batch` skips when rerun.
    pub fn find_generated(
        &self,
        episode_json: &str,
        model_sha256: &str,
        sampling: &serde_json::Value,
    ) -> Result<Option<(DraftId, i64)>> {
        self.conn
            .query_row(
                "SELECT v.draft_id, v.number FROM versions v
                 JOIN drafts d ON d.id = v.draft_id
                 JOIN episodes e ON e.id = d.episode_id
                 WHERE e.json = ?1 AND v.origin = 'modelo' AND v.state = 'completa'
                   AND v.model_sha256 = ?2 AND v.sampling = ?3 AND d.deleted_at IS NULL
                 ORDER BY v.created_at DESC LIMIT 1",
                params![episode_json, model_sha256, sampling.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(self.err())
    }

    /// The newest version, or `None` for a draft with no text yet.
    pub fn latest_version(&self, draft: DraftId) -> Result<Option<Version>> {
        self.draft(draft)?;
        self.conn
            .query_row(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE draft_id = ?1
                     ORDER BY number DESC LIMIT 1"
                ),
                [draft],
                version_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// The audit trail, oldest first; of one draft or of everything.
    pub fn audit_trail(&self, draft: Option<DraftId>) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT at, actor, action, draft_id, version, detail FROM audit
                 WHERE ?1 IS NULL OR draft_id = ?1 ORDER BY id",
            )
            .map_err(self.err())?;
        stmt.query_map([draft], |row| {
            let detail: String = row.get(5)?;
            Ok(AuditEntry {
                at: Timestamp(row.get(0)?),
                actor: row.get(1)?,
                action: row.get(2)?,
                draft_id: row.get(3)?,
                version: row.get(4)?,
                detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(self.err())
    }

    // ---- generations ----

    /// Starts streaming a model's text into a new version of `draft`.
    pub fn begin_generation(
        &mut self,
        draft: DraftId,
        provenance: Provenance,
    ) -> Result<Generation> {
        let path = self.path.clone();
        let tx = self.begin()?;
        writable_status(&tx, draft, "generado")?;
        let new = NewVersion {
            provenance,
            ..NewVersion::default()
        };
        let number = insert_version(
            &tx,
            draft,
            Origin::Modelo,
            VersionState::EnCurso,
            &new,
            None,
        )
        .map_err(|e| sql(&tx, e))?;
        let row_id = tx.last_insert_rowid();
        // Lock before commit: no other process can see the row unlocked.
        let generation = Generation::start(&path, row_id, draft, number)?;
        commit(tx)?;
        Ok(generation)
    }

    /// Saves the text streamed so far if the autosave interval has passed.
    /// Call it on every token; returns whether it wrote.
    pub fn save_partial(&mut self, generation: &mut Generation, text: &str) -> Result<bool> {
        if !generation.due() || text.len() == generation.saved_len {
            return Ok(false);
        }
        self.write_partial(generation, text)?;
        Ok(true)
    }

    fn write_partial(&mut self, generation: &mut Generation, text: &str) -> Result<()> {
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
        generation.last_save = std::time::Instant::now();
        generation.saved_len = text.len();
        Ok(())
    }

    /// Completes a generation with its final text (also when cancelled:
    /// the timings say why it ended).
    pub fn finish_generation(
        &mut self,
        generation: Generation,
        text: &str,
        timings: Option<Value>,
        findings: Value,
    ) -> Result<Version> {
        let actor = self.actor.clone();
        let (draft, number) = (generation.draft_id, generation.number);
        let tx = self.begin()?;
        let changed = tx
            .execute(
                "UPDATE versions SET text = ?2, timings = ?3, findings = ?4, state = 'completa',
                 updated_at = ?5 WHERE id = ?1 AND state = 'en_curso'",
                params![
                    generation.row_id,
                    text,
                    timings.map(|t| t.to_string()),
                    findings.to_string(),
                    Timestamp::now().millis()
                ],
            )
            .map_err(|e| sql(&tx, e))?;
        if changed == 0 {
            return Err(Error::NotGenerating(number));
        }
        touch(&tx, draft).map_err(|e| sql(&tx, e))?;
        text_changed(
            tx,
            &actor,
            action::GENERATED,
            draft,
            Some(number),
            json!({ "origen": "modelo" }),
        )?;
        drop(generation);
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
        let actor = self.actor.clone();
        let tx = self.begin()?;
        let sql_text = if keep {
            "UPDATE versions SET state = 'completa' WHERE draft_id = ?1 AND number = ?2"
        } else {
            "DELETE FROM versions WHERE draft_id = ?1 AND number = ?2"
        };
        tx.execute(sql_text, params![draft, number])
            .map_err(|e| sql(&tx, e))?;
        let what = if keep {
            action::INTERRUPTION_RESUMED
        } else {
            action::INTERRUPTION_DISCARDED
        };
        touch(&tx, draft).map_err(|e| sql(&tx, e))?;
        text_changed(
            tx,
            &actor,
            what,
            draft,
            Some(number),
            json!({ "caracteres": version.text.chars().count() }),
        )
    }

    pub(crate) fn actor(&self) -> &str {
        &self.actor
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

pub(crate) fn sql(tx: &Connection, e: rusqlite::Error) -> Error {
    let path = tx.path().map(PathBuf::from).unwrap_or_default();
    Error::sqlite(&path, e)
}

pub(crate) fn commit(tx: Transaction<'_>) -> Result<()> {
    let path = tx.path().map(PathBuf::from).unwrap_or_default();
    tx.commit().map_err(|e| Error::sqlite(&path, e))
}

/// Ends a transaction that changed a draft's text: audits it, brings the
/// search index up to date and commits, all or nothing.
fn text_changed(
    tx: Transaction<'_>,
    actor: &str,
    action: &str,
    draft: DraftId,
    version: Option<i64>,
    detail: Value,
) -> Result<()> {
    audit(&tx, actor, action, Some(draft), version, detail)
        .and_then(|()| reindex(&tx, draft))
        .map_err(|e| sql(&tx, e))?;
    commit(tx)
}

/// Checks that a draft can take a new text (`doing` names the change for
/// the error): it exists, is not deleted and is not final.
fn writable_status(tx: &Connection, draft: DraftId, doing: &'static str) -> Result<Status> {
    let status = live_status(tx, draft)?;
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
fn live_status(tx: &Connection, draft: DraftId) -> Result<Status> {
    let row: Option<(String, Option<i64>)> = tx
        .query_row(
            "SELECT status, deleted_at FROM drafts WHERE id = ?1",
            [draft],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(|e| sql(tx, e))?;
    match row {
        None => Err(Error::NoSuchDraft(draft)),
        Some((_, Some(_))) => Err(Error::Deleted(draft)),
        Some((status, None)) => Ok(Status::parse(&status).unwrap_or(Status::Borrador)),
    }
}

pub(crate) fn audit(
    tx: &Connection,
    actor: &str,
    action: &str,
    draft: Option<DraftId>,
    version: Option<i64>,
    detail: Value,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (at, actor, action, draft_id, version, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        Timestamp::now().millis(),
        actor,
        action,
        draft,
        version,
        detail.to_string()
    ])?;
    Ok(())
}

fn touch(tx: &Connection, draft: DraftId) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE drafts SET updated_at = ?2 WHERE id = ?1")?
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
    tx: &Connection,
    episode_json: &str,
    episode: &Episode,
) -> rusqlite::Result<i64> {
    let columns = EpisodeColumns::of(episode);
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM episodes WHERE id_atencion = ?1 AND json = ?2")?
        .query_row(params![columns.id_atencion, episode_json], |row| row.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.prepare_cached(
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
    Ok(tx.last_insert_rowid())
}

/// Inserts a draft of an episode and indexes it.
pub(crate) fn insert_draft(
    tx: &Connection,
    episode_id: i64,
    parent: Option<DraftId>,
) -> rusqlite::Result<DraftId> {
    tx.prepare_cached(
        "INSERT INTO drafts (episode_id, status, parent_draft_id, created_at, updated_at)
         VALUES (?1, 'borrador', ?2, ?3, ?3)",
    )?
    .execute(params![episode_id, parent, Timestamp::now().millis()])?;
    let id = tx.last_insert_rowid();
    reindex(tx, id)?;
    Ok(id)
}

/// Appends a version and returns its number.
pub(crate) fn insert_version(
    tx: &Connection,
    draft: DraftId,
    origin: Origin,
    state: VersionState,
    version: &NewVersion,
    restored_from: Option<i64>,
) -> rusqlite::Result<i64> {
    let now = Timestamp::now().millis();
    let number: i64 = tx
        .prepare_cached("SELECT coalesce(max(number), 0) + 1 FROM versions WHERE draft_id = ?1")?
        .query_row([draft], |row| row.get(0))?;
    let state = match state {
        VersionState::Completa => "completa",
        VersionState::EnCurso => "en_curso",
        VersionState::Interrumpida => "interrumpida",
    };
    let p = &version.provenance;
    tx.prepare_cached(
        "INSERT INTO versions (draft_id, number, origin, state, text, model_file, model_sha256,
         sampling, seed, profile, timings, findings, restored_from, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
    )?
    .execute(params![
        draft,
        number,
        origin.as_str(),
        state,
        version.text,
        p.model_file,
        p.model_sha256,
        p.sampling.as_ref().map(Value::to_string),
        p.seed.map(|s| s as i64),
        p.profile,
        version.timings.as_ref().map(Value::to_string),
        if version.findings.is_null() {
            "[]".to_string()
        } else {
            version.findings.to_string()
        },
        restored_from,
        now
    ])?;
    touch(tx, draft)?;
    Ok(number)
}

/// Rewrites the draft's row of the search index from its newest version.
pub(crate) fn reindex(tx: &Connection, draft: DraftId) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
        .execute([draft])?;
    tx.prepare_cached(
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
    let status: String = row.get(1)?;
    Ok(DraftSummary {
        id: row.get(0)?,
        status: Status::parse(&status).unwrap_or(Status::Borrador),
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

const VERSION_COLUMNS: &str = "draft_id, number, origin, state, text, model_file, model_sha256,
    sampling, seed, profile, timings, findings, restored_from, created_at, updated_at";

fn version_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let origin: String = row.get(2)?;
    let state: String = row.get(3)?;
    Ok(Version {
        draft_id: row.get(0)?,
        number: row.get(1)?,
        origin: Origin::parse(&origin),
        state: VersionState::parse(&state),
        text: row.get(4)?,
        provenance: Provenance {
            model_file: row.get(5)?,
            model_sha256: row.get(6)?,
            sampling: json(row.get(7)?),
            seed: row.get::<_, Option<i64>>(8)?.map(|s| s as u64),
            profile: row.get(9)?,
        },
        timings: json(row.get(10)?),
        findings: json(row.get(11)?).unwrap_or(Value::Array(Vec::new())),
        restored_from: row.get(12)?,
        created_at: Timestamp(row.get(13)?),
        updated_at: Timestamp(row.get(14)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::OpenOptions;

    fn options() -> OpenOptions {
        OpenOptions {
            actor: "prueba".into(),
            daily_backup: false,
            keep_backups: 7,
        }
    }

    /// A full disk, simulated with `max_page_count`: the write that does
    /// not fit fails with a clear error and what was committed stays.
    #[test]
    fn a_full_disk_loses_nothing_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lleno.sqlite3");
        let (mut store, _) = Store::open(&path, options()).unwrap();
        let json = r#"{"id_atencion":"A-1","paciente":{"nombre":"Ana Pérez"}}"#;
        let episode = clinical::parse_episode(json.as_bytes()).unwrap();
        let draft = store.create_draft(json, &episode).unwrap();
        let pages: i64 = store
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        store
            .conn
            .pragma_update(None, "max_page_count", pages + 40)
            .unwrap();

        let chunk = "Evolución favorable, afebril, tolera régimen. ".repeat(200);
        let mut committed = 0;
        let error = loop {
            let version = NewVersion {
                text: chunk.clone(),
                ..NewVersion::default()
            };
            match store.add_version(draft, Origin::Edicion, version) {
                Ok(_) => committed += 1,
                Err(error) => break error,
            }
            assert!(committed < 1000, "the page limit never bit");
        };
        assert!(matches!(error, Error::DiskFull { .. }), "{error:?}");
        assert!(error.to_string().contains("el disco está lleno"));
        assert!(committed > 0);
        assert_eq!(store.versions(draft).unwrap().len(), committed);
        let ok: String = store
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        // Space freed (here: the limit lifted), saving works again.
        store
            .conn
            .pragma_update(None, "max_page_count", 1_000_000)
            .unwrap();
        store
            .add_version(draft, Origin::Edicion, NewVersion::default())
            .unwrap();
    }
}
