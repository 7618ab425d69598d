//! The settings panel: sampling per prompt profile, device and threads,
//! context, the institution's header, paper, and the database.

use tauri::State;

use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;

#[tauri::command]
pub fn settings_get(desk: State<'_, Desk>) -> UiResult<store::Settings> {
    desk.with_store(|s| Ok(s.settings()?))
}

/// Saves the settings after checking what the engine would refuse later, so
/// a bad value is reported beside its field now rather than at the next load.
#[tauri::command]
pub fn settings_save(desk: State<'_, Desk>, settings: store::Settings) -> UiResult<()> {
    settings.device.parse::<engine::DeviceChoice>()?;
    for (name, profile) in [
        ("ajustado", clinical::Profile::Finetuned),
        ("instrucciones", clinical::Profile::Instruct),
    ] {
        pipeline::sampling_for(&settings, profile)
            .validate()
            .map_err(|e| {
                UiError::new(
                    ShellKind::ParametroInvalido,
                    format!("Muestreo del perfil {name}: {e}"),
                )
            })?;
    }
    if settings.threads == Some(0) || settings.context == Some(0) {
        return Err(UiError::new(
            ShellKind::ParametroInvalido,
            "Los hilos y el contexto deben ser al menos 1, o quedar en automático.",
        ));
    }
    desk.with_store(|s| Ok(s.save_settings(&settings)?))
}
