//! What the window needs to know about the build and the database at start.

use serde::Serialize;
use tauri::State;

use crate::state::Desk;

/// What the header shows about the running build and where data lives.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    /// The database file, for the settings and the first-run notice.
    pub database: Option<String>,
    /// Why the database could not be opened; the app then only drafts.
    pub database_error: Option<crate::error::UiError>,
    /// What opening the database found, told once.
    pub opened: Option<store::OpenReport>,
    /// Why this CPU cannot run models, when it cannot.
    pub cpu_problem: Option<String>,
}

#[tauri::command]
pub fn app_info<R: tauri::Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
        database: desk.db_path.as_ref().map(|p| p.display().to_string()),
        database_error: desk.store().err(),
        opened: desk.opened.clone(),
        cpu_problem: engine::cpu_problem(),
    }
}
