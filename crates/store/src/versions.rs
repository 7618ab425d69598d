//! Versions: every text a draft had, each a new row. Adding one (a model's,
//! the deterministic writer's, an edit), an edit of a final draft (which
//! starts a draft of its own), restoring an old one, and reading them back.

use clinical::Finding;
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::audit::Action;
use crate::drafts::{insert_draft, touch, writable_status};
use crate::error::{Error, Result};
use crate::records::{DraftId, Origin, Provenance, Status, UnknownValue, Version, VersionState};
use crate::store::Store;
use crate::time::Timestamp;

/// A text to keep as a new version.
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    /// The epicrisis.
    pub text: String,
    /// For a model's text: which model and how it sampled.
    pub provenance: Provenance,
    /// For a model's text: why it ended and the engine's figures.
    pub timings: Option<Value>,
    /// What the faithfulness check found in the text.
    pub findings: Vec<Finding>,
}

impl Store {
    /// Keeps a generated, deterministic or edited text as the draft's next
    /// version. A final draft takes no versions: edit it with `save_edit`.
    pub fn add_version(
        &mut self,
        draft: DraftId,
        origin: Origin,
        version: NewVersion,
    ) -> Result<Version> {
        let change = self.change()?;
        writable_status(&change, draft, "editado")?;
        let number = change
            .sql(|tx| insert_version(tx, draft, origin, VersionState::Completa, &version, None))?;
        let action = if origin == Origin::Edicion {
            Action::Edited
        } else {
            Action::Generated
        };
        change.commit_text(
            action,
            draft,
            Some(number),
            json!({ "origen": origin.as_str() }),
        )?;
        self.version(draft, number)
    }

    /// Saves a clinician's edit. On a final draft this starts a new draft
    /// that points back to it, since a final draft is never changed.
    /// Returns the draft that holds the edit.
    pub fn save_edit(
        &mut self,
        draft: DraftId,
        text: &str,
        findings: Vec<Finding>,
    ) -> Result<Version> {
        let summary = self.draft(draft)?.summary;
        if summary.deleted {
            return Err(Error::Deleted(draft));
        }
        let edit = NewVersion {
            text: text.to_string(),
            findings,
            ..NewVersion::default()
        };
        if summary.status != Status::Final {
            return self.add_version(draft, Origin::Edicion, edit);
        }
        let change = self.change()?;
        let child = change.sql(|tx| {
            let episode_id: i64 = tx.query_row(
                "SELECT episode_id FROM drafts WHERE id = ?1",
                [draft],
                |row| row.get(0),
            )?;
            insert_draft(tx, episode_id, Some(draft))
        })?;
        change.audit(
            Action::Created,
            Some(child),
            None,
            json!({ "desde_final": draft }),
        )?;
        let number = change.sql(|tx| {
            insert_version(
                tx,
                child,
                Origin::Edicion,
                VersionState::Completa,
                &edit,
                None,
            )
        })?;
        change.commit_text(
            Action::Edited,
            child,
            Some(number),
            json!({ "origen": Origin::Edicion.as_str() }),
        )?;
        self.version(child, number)
    }

    /// Restores an old version by copying it as the newest one: nothing is
    /// overwritten, and the copy says which version it restored.
    pub fn restore_version(&mut self, draft: DraftId, number: i64) -> Result<Version> {
        let old = self.version(draft, number)?;
        let change = self.change()?;
        writable_status(&change, draft, "editado")?;
        let copy = NewVersion {
            text: old.text,
            provenance: old.provenance,
            timings: old.timings,
            findings: old.findings,
        };
        let new_number = change.sql(|tx| {
            insert_version(
                tx,
                draft,
                old.origin,
                VersionState::Completa,
                &copy,
                Some(number),
            )
        })?;
        change.commit_text(
            Action::RestoredVersion,
            draft,
            Some(new_number),
            json!({ "restaurada": number }),
        )?;
        self.version(draft, new_number)
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

    /// One version of a draft.
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
    /// file by this model file (by hash) with these sampling settings, as a
    /// whole text (not one section rewritten), in a draft not in the bin:
    /// what `epicrisis batch` skips when rerun. With `template`, only a
    /// version that followed it counts.
    pub fn find_generated(
        &self,
        episode_json: &str,
        model_sha256: &str,
        sampling: &serde_json::Value,
        template: Option<&str>,
    ) -> Result<Option<(DraftId, i64)>> {
        self.conn
            .query_row(
                "SELECT v.draft_id, v.number FROM versions v
                 JOIN drafts d ON d.id = v.draft_id
                 JOIN episodes e ON e.id = d.episode_id
                 WHERE e.json = ?1 AND v.origin = 'modelo' AND v.state = 'completa'
                   AND v.model_sha256 = ?2 AND v.sampling = ?3 AND d.deleted_at IS NULL
                   AND v.section IS NULL AND (?4 IS NULL OR v.template = ?4)
                 ORDER BY v.created_at DESC LIMIT 1",
                params![episode_json, model_sha256, sampling.to_string(), template],
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
}

/// Appends a version and returns its number.
pub(crate) fn insert_version(
    conn: &Connection,
    draft: DraftId,
    origin: Origin,
    state: VersionState,
    version: &NewVersion,
    restored_from: Option<i64>,
) -> rusqlite::Result<i64> {
    let now = Timestamp::now().millis();
    let number: i64 = conn
        .prepare_cached("SELECT coalesce(max(number), 0) + 1 FROM versions WHERE draft_id = ?1")?
        .query_row([draft], |row| row.get(0))?;
    let p = &version.provenance;
    conn.prepare_cached(
        "INSERT INTO versions (draft_id, number, origin, state, text, model_file, model_sha256,
         sampling, seed, profile, timings, findings, restored_from, created_at, updated_at,
         template, section, instruction, shortening)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14,
                 ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        draft,
        number,
        origin,
        state,
        version.text,
        p.model_file,
        p.model_sha256,
        p.sampling.as_ref().map(Value::to_string),
        p.seed.map(|s| s as i64),
        p.profile,
        version.timings.as_ref().map(Value::to_string),
        findings_column(&version.findings)?,
        restored_from,
        now,
        p.template,
        p.section,
        p.instruction,
        p.shortening
            .as_ref()
            .and_then(|s| serde_json::to_string(s).ok()),
    ])?;
    touch(conn, draft)?;
    Ok(number)
}

/// The findings as the `findings` column keeps them: the JSON
/// `clinical::Finding` serialises to.
pub(crate) fn findings_column(findings: &[Finding]) -> rusqlite::Result<String> {
    serde_json::to_string(findings)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// The findings read back; a list that is not `clinical::Finding`s (a
/// newer version's kind, a damaged row) is `Error::UnknownValue`, never an
/// empty list that would hide them.
fn findings_from_column(text: &str) -> rusqlite::Result<Vec<Finding>> {
    serde_json::from_str(text).map_err(|_| {
        let value: String = text.chars().take(80).collect();
        rusqlite::Error::FromSqlConversionFailure(
            11,
            Type::Text,
            Box::new(UnknownValue {
                what: "los hallazgos de una versión",
                value,
            }),
        )
    })
}

const VERSION_COLUMNS: &str = "draft_id, number, origin, state, text, model_file, model_sha256,
    sampling, seed, profile, timings, findings, restored_from, created_at, updated_at,
    template, section, instruction, shortening";

fn version_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    Ok(Version {
        draft_id: row.get(0)?,
        number: row.get(1)?,
        origin: row.get(2)?,
        state: row.get(3)?,
        text: row.get(4)?,
        provenance: Provenance {
            model_file: row.get(5)?,
            model_sha256: row.get(6)?,
            sampling: json(row.get(7)?),
            seed: row.get::<_, Option<i64>>(8)?.map(|s| s as u64),
            profile: row.get(9)?,
            template: row.get(15)?,
            section: row.get(16)?,
            instruction: row.get(17)?,
            shortening: row
                .get::<_, Option<String>>(18)?
                .and_then(|t| serde_json::from_str(&t).ok()),
        },
        timings: json(row.get(10)?),
        findings: findings_from_column(&row.get::<_, String>(11)?)?,
        restored_from: row.get(12)?,
        created_at: Timestamp(row.get(13)?),
        updated_at: Timestamp(row.get(14)?),
    })
}
