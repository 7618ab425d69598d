//! What the window needs to know about the build and the database at start,
//! and the first-run welcome's choice.

use serde::Serialize;
use tauri::State;

use crate::error::UiResult;
use crate::state::Desk;

/// What the header shows about the running build and where data lives.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
        .with_store(|s| Ok(s.settings()?.start_choice.is_none()))
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

/// Remembers the welcome's answer, so it is asked once.
#[tauri::command]
pub fn welcome_choose(desk: State<'_, Desk>, choice: store::StartChoice) -> UiResult<()> {
    desk.with_store(|s| Ok(s.update_settings(|settings| settings.start_choice = Some(choice))?))
}
