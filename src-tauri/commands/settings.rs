//! The settings panel: sampling per prompt profile, device and threads,
//! context, the institution's header, paper, and the database.

use tauri::State;

use crate::error::UiResult;
use crate::state::Desk;

#[tauri::command]
pub fn settings_get(desk: State<'_, Desk>) -> UiResult<pipeline::Settings> {
    desk.with_store(|s| Ok(pipeline::Settings::load(s)?))
}

/// Saves the settings; a value the engine would refuse later is refused
/// now, beside its field.
#[tauri::command]
pub fn settings_save(desk: State<'_, Desk>, settings: pipeline::Settings) -> UiResult<()> {
    desk.with_store(|s| Ok(settings.save(s)?))
}
