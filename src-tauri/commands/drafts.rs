//! The drafts sidebar and history panel: listing, opening, duplicating,
//! deleting with undo, status changes, edits and restores, interrupted
//! generations, and export of a version.

use serde::Serialize;
use tauri::State;

use crate::dialogs::{self, SaveKind};
use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;
use crate::view::{ReviewView, VersionView};

#[tauri::command]
pub fn drafts_list(
    desk: State<'_, Desk>,
    search: Option<String>,
    deleted: Option<bool>,
) -> UiResult<Vec<store::DraftSummary>> {
    let query = store::ListQuery {
        search: search.filter(|s| !s.trim().is_empty()),
        deleted: deleted.unwrap_or(false),
        limit: 200,
        ..store::ListQuery::default()
    };
    desk.with_store(|s| Ok(s.list(&query)?))
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct OpenedDraft {
    pub summary: store::DraftSummary,
    pub parent_draft_id: Option<i64>,
    /// The episode as it was given, for the form.
    pub episode_json: String,
    /// Oldest first.
    pub versions: Vec<VersionView>,
}

#[tauri::command]
pub fn draft_open(desk: State<'_, Desk>, id: i64) -> UiResult<OpenedDraft> {
    desk.with_store(|s| {
        let draft = s.draft(id)?;
        let versions = s.versions(id)?.into_iter().map(VersionView::from).collect();
        Ok(OpenedDraft {
            summary: draft.summary,
            parent_draft_id: draft.parent_draft_id,
            episode_json: draft.episode_json,
            versions,
        })
    })
}

#[tauri::command]
pub fn draft_duplicate(desk: State<'_, Desk>, id: i64) -> UiResult<i64> {
    desk.with_store(|s| Ok(pipeline::duplicate_draft(s, id)?))
}

#[tauri::command]
pub fn draft_delete(desk: State<'_, Desk>, id: i64) -> UiResult<()> {
    desk.with_store(|s| Ok(s.delete_draft(id)?))
}

#[tauri::command]
pub fn draft_undelete(desk: State<'_, Desk>, id: i64) -> UiResult<()> {
    desk.with_store(|s| Ok(s.undelete_draft(id)?))
}

#[tauri::command]
pub fn draft_set_status(desk: State<'_, Desk>, id: i64, status: String) -> UiResult<()> {
    let to = <store::Status as kinds::Word>::from_word(&status).ok_or_else(|| {
        UiError::new(
            ShellKind::EstadoInvalido,
            format!("Estado «{status}» desconocido: use borrador, revisado o final."),
        )
    })?;
    desk.with_store(|s| Ok(s.set_status(id, to)?))
}

/// An edit kept as a version, with its findings. On a final draft the edit
/// opens a new draft; `draft_id` of the answer says which.
#[tauri::command]
pub fn edit_save(desk: State<'_, Desk>, id: i64, text: String) -> UiResult<VersionView> {
    desk.with_store(|s| {
        let (version, _) = pipeline::save_edit(s, id, &text)?;
        Ok(version.into())
    })
}

/// A version checked again against its episode, with the source of every
/// confirmed claim and finding, for the window's source links.
#[tauri::command]
pub fn version_review(desk: State<'_, Desk>, id: i64, number: i64) -> UiResult<ReviewView> {
    desk.with_store(|s| {
        let (version, review) = pipeline::review_version(s, id, number)?;
        Ok(ReviewView::new(&version, &review))
    })
}

#[tauri::command]
pub fn version_restore(desk: State<'_, Desk>, id: i64, number: i64) -> UiResult<VersionView> {
    desk.with_store(|s| Ok(s.restore_version(id, number)?.into()))
}

#[tauri::command]
pub fn interrupted_resume(desk: State<'_, Desk>, id: i64, number: i64) -> UiResult<VersionView> {
    desk.with_store(|s| Ok(s.resume_interrupted(id, number)?.into()))
}

#[tauri::command]
pub fn interrupted_discard(desk: State<'_, Desk>, id: i64, number: i64) -> UiResult<()> {
    desk.with_store(|s| Ok(s.discard_interrupted(id, number)?))
}

/// Writes a version to a file the clinician chooses; the export is audited.
#[tauri::command]
pub async fn export_version<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    id: i64,
    number: i64,
    format: pipeline::Format,
    suggested: String,
) -> UiResult<String> {
    let kind = match format {
        pipeline::Format::Pdf => SaveKind::Pdf,
        pipeline::Format::Texto => SaveKind::Texto,
        pipeline::Format::Markdown => SaveKind::Markdown,
    };
    let path = dialogs::pick_save(&app, desk.dialog_answers.as_ref(), kind, &suggested)?;
    let store = desk.store()?;
    let target = path.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let mut guard = crate::state::lock(&store);
        pipeline::export_version(&mut guard, id, number, format, &target)
    })
    .await
    .map_err(|e| UiError::new(ShellKind::Interno, format!("La exportación falló: {e}")))??;
    Ok(path.display().to_string())
}

/// Puts a version's plain text on the clipboard, for pasting into the
/// hospital's record system; the copy is audited like an export.
#[tauri::command]
pub fn version_copy_text<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    id: i64,
    number: i64,
) -> UiResult<()> {
    let text = desk.with_store(|s| Ok(pipeline::copy_text(s, id, number)?))?;
    crate::clipboard::write(&app, desk.dialog_answers.as_deref(), &text)
}

/// Copies the whole database to a file the clinician chooses.
#[tauri::command]
pub async fn backup_create<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
) -> UiResult<String> {
    let suggested = format!(
        "epicrisis-respaldo-{}.sqlite3",
        store::Timestamp::now().day()
    );
    let path = dialogs::pick_save(
        &app,
        desk.dialog_answers.as_ref(),
        SaveKind::Respaldo,
        &suggested,
    )?;
    desk.with_store(|s| Ok(s.backup_to(&path)?))?;
    Ok(path.display().to_string())
}
