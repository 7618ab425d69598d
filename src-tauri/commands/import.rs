//! Importing the hospital's fine-tune: choosing the checkpoint folder (and
//! an adapter), what was found there, and the cancellable import into the
//! app's models folder with progress and the quality report. Loading the
//! result is `model_load`, as for any other file.

use std::path::{Path, PathBuf};

use engine::writer::FileType;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::dialogs::{self, FolderKind};
use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;

#[tauri::command]
pub async fn import_choose<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    kind: FolderKind,
) -> UiResult<String> {
    let path = dialogs::pick_folder(&app, desk.dialog_answers.as_ref(), kind)?;
    Ok(path.display().to_string())
}

/// What the clinician sees before importing.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportPreview {
    pub summary: import::CheckpointSummary,
    /// Where the file will be written.
    pub out_dir: String,
    /// Free space there; absent where the OS does not say.
    pub free_bytes: Option<u64>,
}

fn models_folder(desk: &Desk) -> UiResult<PathBuf> {
    desk.models_folder().ok_or_else(|| {
        UiError::new(ShellKind::SinBase,
            "No hay carpeta de modelos porque la base de datos no se pudo abrir; importe el modelo con «epicrisis import» en la línea de comandos.",
        )
    })
}

fn open(folder: &str, lora: Option<&str>) -> UiResult<import::Checkpoint> {
    Ok(import::Checkpoint::open(
        Path::new(folder),
        lora.map(Path::new),
    )?)
}

fn join_error(what: &str, e: impl std::fmt::Display) -> UiError {
    UiError::new(ShellKind::Interno, format!("{what} falló: {e}"))
}

#[tauri::command]
pub async fn import_inspect(
    desk: State<'_, Desk>,
    folder: String,
    lora: Option<String>,
) -> UiResult<ImportPreview> {
    let out_dir = models_folder(&desk)?;
    let summary = tauri::async_runtime::spawn_blocking(move || {
        open(&folder, lora.as_deref()).map(|c| c.summary())
    })
    .await
    .map_err(|e| join_error("La revisión de la carpeta", e))??;
    Ok(ImportPreview {
        summary,
        free_bytes: import::free_space(&out_dir),
        out_dir: out_dir.display().to_string(),
    })
}

/// The import's result: the file to load and the report.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportDone {
    pub path: String,
    pub report: Option<import::QualityReport>,
    /// The report as the CLI prints it, for copying into an e-mail to IT.
    pub report_text: Option<String>,
}

/// Imports into `<models folder>/<name>/`, sending progress on `progress`;
/// "Cancelar" (`model_cancel_load`) stops it and leaves no file.
#[tauri::command]
pub async fn import_run(
    desk: State<'_, Desk>,
    folder: String,
    lora: Option<String>,
    file_type: FileType,
    progress: Channel<import::ImportProgress>,
) -> UiResult<ImportDone> {
    let models = models_folder(&desk)?;
    let cancel = desk
        .start_loading()
        .ok_or_else(|| UiError::busy("ya se está cargando o importando un modelo"))?;
    let done = tauri::async_runtime::spawn_blocking(move || {
        let checkpoint = open(&folder, lora.as_deref())?;
        let out = checkpoint.free_output_in(&models, file_type).map_err(|e| {
            UiError::new(
                ShellKind::Archivo,
                format!("{}: no se pudo crear la carpeta: {e}", models.display()),
            )
        })?;
        let request = import::Request {
            outputs: vec![(file_type, out.clone())],
            report: Some(import::Corpus::clinical()),
            threads: None,
        };
        let imported = import::run(&checkpoint, &request, &cancel, &mut |p| {
            let _ = progress.send(p);
        })?;
        Ok::<_, UiError>(ImportDone {
            path: out.display().to_string(),
            report_text: imported.report.as_ref().map(|r| r.render_text()),
            report: imported.report,
        })
    })
    .await;
    desk.finish_loading();
    done.map_err(|e| join_error("La importación", e))?
}
