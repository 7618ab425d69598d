//! What the window needs to know about the build and the database at start,
//! and the first-run welcome's choice.

use serde::Serialize;
use tauri::State;

use crate::error::UiResult;
use crate::state::Desk;

/// What the header shows about the running build and where data lives.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    /// The database file, for the settings and the first-run welcome.
    pub database: Option<String>,
    /// Where models are copied when the clinician asks for a copy.
    pub models_folder: Option<String>,
    /// Why the database could not be opened; the app then only drafts.
    pub database_error: Option<crate::error::UiError>,
    /// What opening the database found, told once.
    pub opened: Option<store::OpenReport>,
    /// Why this CPU cannot run models, when it cannot.
    pub cpu_problem: Option<String>,
    /// True until the clinician answers the welcome. A database that cannot
    /// be opened cannot remember the answer, so it shows no welcome.
    pub first_run: bool,
}

#[tauri::command]
pub fn app_info<R: tauri::Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>) -> AppInfo {
    let package = app.package_info();
    let first_run = desk
        .with_store(|s| Ok(pipeline::Settings::load(s)?.start_choice.is_none()))
        .unwrap_or(false);
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
        database: desk.db_path.as_ref().map(|p| p.display().to_string()),
        models_folder: desk.models_folder().map(|p| p.display().to_string()),
        database_error: desk.store().err(),
        opened: desk.opened.clone(),
        cpu_problem: engine::cpu_problem(),
        first_run,
    }
}

/// "Ajustes → Diagnóstico": what support asks for first.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct Diagnostics {
    pub app_version: String,
    pub engine_version: &'static str,
    pub store_version: &'static str,
    pub schema_version: i64,
    /// The CPU kernels in use, or why models cannot run here.
    pub cpu_kernels: &'static str,
    pub cpu_problem: Option<String>,
    pub os: &'static str,
    pub arch: &'static str,
    /// Where the support log is written (no patient data ever is).
    pub log_folder: Option<String>,
}

#[tauri::command]
pub fn diagnostics<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Diagnostics {
    use tauri::Manager;
    Diagnostics {
        app_version: app.package_info().version.to_string(),
        engine_version: engine::VERSION,
        store_version: store::VERSION,
        schema_version: store::SCHEMA_VERSION,
        cpu_kernels: engine::cpu_kernels(),
        cpu_problem: engine::cpu_problem(),
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
        log_folder: app
            .path()
            .app_log_dir()
            .ok()
            .map(|p| p.display().to_string()),
    }
}

/// Opens the log folder in the system's file manager, for sending the log
/// to support. When the tests drive the window nothing is launched.
#[tauri::command]
pub fn logs_open<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
) -> UiResult<String> {
    use tauri::Manager;
    let folder = app.path().app_log_dir().map_err(|e| {
        crate::error::UiError::new(
            crate::error::ShellKind::Registro,
            format!("No se encontró la carpeta de registros: {e}"),
        )
    })?;
    if !folder.is_dir() {
        return Err(crate::error::UiError::new(
            crate::error::ShellKind::Registro,
            format!("Aún no hay registros en {}.", folder.display()),
        ));
    }
    if desk.dialog_answers.is_none() {
        crate::dialogs::reveal(&folder)?;
    }
    Ok(folder.display().to_string())
}

/// Remembers the welcome's answer, so it is asked once.
#[tauri::command]
pub fn welcome_choose(desk: State<'_, Desk>, choice: pipeline::StartChoice) -> UiResult<()> {
    desk.with_store(|s| {
        Ok(pipeline::Settings::update(s, |settings| {
            settings.start_choice = Some(choice)
        })?)
    })
}
