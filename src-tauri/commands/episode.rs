//! The episode form: validation as the clinician types, import and export
//! of Episode JSON, and the form's own autosave.

use serde::Serialize;
use tauri::State;

use crate::dialogs::{self, OpenKind, SaveKind};
use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;

/// An episode checked with `clinical`'s rules (the same as `epicrisis
/// check`): every problem, with the JSON path the form puts it beside.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Checked {
    pub problems: Vec<clinical::Problem>,
    pub has_errors: bool,
}

impl From<&pipeline::LoadedEpisode> for Checked {
    fn from(loaded: &pipeline::LoadedEpisode) -> Self {
        Checked {
            problems: loaded.report.problems.clone(),
            has_errors: loaded.report.has_errors(),
        }
    }
}

#[tauri::command]
pub fn episode_check(json: String) -> UiResult<Checked> {
    Ok(Checked::from(&pipeline::form_episode(&json)?))
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Imported {
    pub path: String,
    /// The file's text as given; the form parses it and keeps unknown keys.
    pub source: String,
    pub checked: Checked,
}

#[tauri::command]
pub async fn episode_import<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
) -> UiResult<Imported> {
    let path = dialogs::pick_open(&app, desk.dialog_answers.as_ref(), OpenKind::Episodio)?;
    let loaded = pipeline::load_episode(&path)?;
    Ok(Imported {
        path: path.display().to_string(),
        checked: Checked::from(&loaded),
        source: loaded.source,
    })
}

/// Writes the form's episode to a JSON file the clinician chooses.
#[tauri::command]
pub async fn episode_export_json<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    json: String,
    suggested: String,
) -> UiResult<String> {
    // Refuse to write what could not be imported back.
    pipeline::form_episode(&json)?;
    let path = dialogs::pick_save(
        &app,
        desk.dialog_answers.as_ref(),
        SaveKind::Json,
        &suggested,
    )?;
    std::fs::write(&path, json.as_bytes()).map_err(|e| {
        UiError::new(
            ShellKind::Escritura,
            format!("{}: no se pudo escribir el archivo: {e}", path.display()),
        )
    })?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub fn form_load(desk: State<'_, Desk>) -> UiResult<Option<String>> {
    desk.with_store(|store| Ok(store.saved_form()?))
}

#[tauri::command]
pub fn form_save(desk: State<'_, Desk>, json: String) -> UiResult<()> {
    desk.with_store(|store| Ok(store.save_form(&json)?))
}

#[tauri::command]
pub fn form_clear(desk: State<'_, Desk>) -> UiResult<()> {
    desk.with_store(|store| Ok(store.clear_form()?))
}
