//! The model: choosing the file, its facts and memory before loading, the
//! cancellable load with progress, and what is loaded now.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::dialogs::{self, OpenKind};
use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;

#[tauri::command]
pub async fn model_choose<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
) -> UiResult<String> {
    let path = dialogs::pick_open(&app, desk.dialog_answers.as_ref(), OpenKind::Modelo)?;
    Ok(path.display().to_string())
}

/// What the clinician sees before deciding to load a model.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ModelPreview {
    pub path: String,
    pub facts: engine::ModelFacts,
    pub memory: engine::MemoryEstimate,
    /// Memory the system has free now; absent where the OS does not say.
    pub available_bytes: Option<u64>,
    /// What unloading the model loaded now gives back (0 when none is).
    pub freed_bytes: u64,
    /// False when the estimate exceeds the free memory plus what unloading
    /// the current model frees; the window then offers "Cargar de todos
    /// modos".
    pub fits: bool,
}

fn settings(desk: &Desk) -> pipeline::Settings {
    desk.with_store(|s| Ok(pipeline::Settings::load(s)?))
        .unwrap_or_default()
}

#[tauri::command]
pub async fn model_inspect(desk: State<'_, Desk>, path: String) -> UiResult<ModelPreview> {
    let settings = settings(&desk);
    let facts = tauri::async_runtime::spawn_blocking({
        let path = PathBuf::from(&path);
        move || engine::inspect(&path, None)
    })
    .await
    .map_err(|e| {
        UiError::new(
            ShellKind::Interno,
            format!("La revisión del modelo falló: {e}"),
        )
    })??;
    let memory = facts.memory(facts.context_for(settings.context.map(|c| c as usize)));
    let available_bytes = engine::device::available_memory();
    let freed_bytes = desk.engine().map_or(0, |loaded| {
        let info = loaded.info();
        info.facts.memory(info.context).total_bytes
    });
    Ok(ModelPreview {
        path,
        fits: engine::device::fits(memory.total_bytes, available_bytes, freed_bytes),
        facts,
        memory,
        available_bytes,
        freed_bytes,
    })
}

/// Loads the model in the background, sending the share read (0 to 1) on
/// `progress`; the form stays usable meanwhile. The chosen file is
/// remembered once it has loaded.
#[tauri::command]
pub async fn model_load(
    desk: State<'_, Desk>,
    path: String,
    progress: Channel<f32>,
) -> UiResult<engine::LoadedInfo> {
    let options = settings(&desk).load_options(PathBuf::from(&path));
    let cancel = desk
        .start_loading()
        .ok_or_else(|| UiError::busy("ya se está cargando un modelo"))?;
    // Free the old model's memory before reading the new one.
    desk.set_engine(None);
    let loaded = tauri::async_runtime::spawn_blocking(move || {
        engine::Engine::start_with_progress(options, cancel, move |share| {
            let _ = progress.send(share);
        })
    })
    .await;
    desk.finish_loading();
    let engine = loaded.map_err(|e| {
        UiError::new(
            ShellKind::Interno,
            format!("La carga del modelo falló: {e}"),
        )
    })??;
    let info = engine.info().clone();
    desk.set_engine(Some(Arc::new(engine)));
    remember_model(&desk, Some(PathBuf::from(path)))?;
    Ok(info)
}

/// Copies the chosen model into the app's models folder, because the
/// clinician asked (a file on removable or network storage); sends the share
/// copied (0 to 1) on `progress` and returns the copy's path, which is then
/// loaded like any other. "Cancelar carga" stops the copy too.
#[tauri::command]
pub async fn model_copy(
    desk: State<'_, Desk>,
    path: String,
    progress: Channel<f32>,
) -> UiResult<String> {
    let folder = desk.models_folder().ok_or_else(|| {
            UiError::new(ShellKind::SinBase,
                "No hay carpeta de modelos porque la base de datos no se pudo abrir; cargue el modelo desde donde está.",
            )
        })?;
    let cancel = desk
        .start_loading()
        .ok_or_else(|| UiError::busy("ya se está cargando un modelo"))?;
    let copied = tauri::async_runtime::spawn_blocking(move || {
        pipeline::model_folder::copy_model(Path::new(&path), &folder, |done, total| {
            let _ = progress.send(if total == 0 {
                1.0
            } else {
                done as f32 / total as f32
            });
            !cancel.is_cancelled()
        })
    })
    .await;
    desk.finish_loading();
    let copy = copied.map_err(|e| {
        UiError::new(
            ShellKind::Interno,
            format!("La copia del modelo falló: {e}"),
        )
    })??;
    Ok(copy.display().to_string())
}

#[tauri::command]
pub fn model_cancel_load(desk: State<'_, Desk>) -> bool {
    desk.cancel_loading()
}

#[tauri::command]
pub fn model_status(desk: State<'_, Desk>) -> Option<engine::LoadedInfo> {
    desk.engine().map(|engine| engine.info().clone())
}

/// Forgets the model (and the remembered choice): the app drafts without one.
#[tauri::command]
pub fn model_unload(desk: State<'_, Desk>) -> UiResult<()> {
    desk.set_engine(None);
    remember_model(&desk, None)
}

/// Saves the model choice into the settings as they are now (not as they
/// were when a load began: the clinician may have saved others meanwhile).
fn remember_model(desk: &Desk, path: Option<PathBuf>) -> UiResult<()> {
    desk.with_store(|s| {
        Ok(pipeline::Settings::update(s, |settings| {
            settings.model_path = path
        })?)
    })
}
