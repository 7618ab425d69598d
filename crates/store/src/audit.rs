//! The audit trail: who changed what, and when. Rows are written only by
//! [`crate::change::Change`], inside the transaction that makes the change,
//! so the trail and the data cannot disagree.

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::records::{stored_as_text, AuditEntry, DraftId};
use crate::store::Store;
use crate::time::Timestamp;

/// What a line of the trail records. Stored as English identifiers: they
/// are data for tools, not text for the clinician.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A draft was started (for an episode, or from a final one's edit).
    Created,
    /// A model's or the deterministic writer's text became a version.
    Generated,
    /// A clinician's edit became a version.
    Edited,
    /// An old version was copied as the newest.
    RestoredVersion,
    /// A draft's status changed.
    StatusChanged,
    /// A version left the app: a file, or the clipboard.
    Exported,
    /// A draft went to the bin.
    Deleted,
    /// A draft came back from the bin.
    Undeleted,
    /// Drafts in the bin past their time were erased for good.
    Purged,
    /// A generation whose process died, found when the store was opened.
    Interrupted,
    /// An interrupted generation's text was kept as a version.
    InterruptionResumed,
    /// An interrupted generation was dropped.
    InterruptionDiscarded,
    /// The database was copied to a file the clinician chose.
    Backup,
    /// Settings changed (the keys are in the detail).
    SettingsChanged,
    /// A service template was saved (new, changed or imported).
    TemplateSaved,
    /// A service template was deleted.
    TemplateDeleted,
}

stored_as_text!(Action, "la acción de una línea de auditoría", {
    Created => "created",
    Generated => "generated",
    Edited => "edited",
    RestoredVersion => "restored_version",
    StatusChanged => "status_changed",
    Exported => "exported",
    Deleted => "deleted",
    Undeleted => "undeleted",
    Purged => "purged",
    Interrupted => "interrupted",
    InterruptionResumed => "interruption_resumed",
    TemplateSaved => "template_saved",
    TemplateDeleted => "template_deleted",
    InterruptionDiscarded => "interruption_discarded",
    Backup => "backup",
    SettingsChanged => "settings_changed",
});

/// Tools and tests compare actions with the stored words.
impl PartialEq<&str> for Action {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One line of the trail.
pub(crate) fn write(
    conn: &Connection,
    actor: &str,
    action: Action,
    draft: Option<DraftId>,
    version: Option<i64>,
    detail: &Value,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
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

impl Store {
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
}
