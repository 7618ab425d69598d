//! Service templates in Ajustes and beside Generar: the list (with the one
//! the episode's service uses), save, delete, and the JSON file a service
//! head hands to every PC.

use clinical::Template;
use serde::Serialize;
use tauri::State;

use crate::dialogs::{self, OpenKind, SaveKind};
use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TemplateList {
    /// The built-ins first, then the service's own by name.
    pub templates: Vec<TemplateView>,
    /// The one the episode's service uses, if a template serves it.
    pub for_service: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TemplateView {
    #[serde(flatten)]
    pub template: Template,
    /// Built-ins are copied, never changed.
    pub builtin: bool,
}

/// Every template; `service` is the episode's `atencion.servicio`.
#[tauri::command]
pub fn templates_list(desk: State<'_, Desk>, service: Option<String>) -> UiResult<TemplateList> {
    desk.with_store(|store| {
        let templates = store.templates()?;
        let for_service =
            clinical::template::for_service(&templates, service.as_deref()).map(|t| t.id.clone());
        Ok(TemplateList {
            templates: templates
                .into_iter()
                .map(|template| TemplateView {
                    builtin: Template::is_builtin_id(&template.id),
                    template,
                })
                .collect(),
            for_service,
        })
    })
}

/// Saves a template edited in Ajustes; a field that is wrong is named.
#[tauri::command]
pub fn template_save(desk: State<'_, Desk>, template: Template) -> UiResult<()> {
    template.validate().map_err(invalid)?;
    desk.with_store(|store| Ok(store.save_template(&template)?))
}

#[tauri::command]
pub fn template_delete(desk: State<'_, Desk>, id: String) -> UiResult<()> {
    desk.with_store(|store| Ok(store.delete_template(&id)?))
}

/// Writes a template to a JSON file the clinician chooses.
#[tauri::command]
pub async fn template_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    id: String,
) -> UiResult<String> {
    let template = desk.with_store(|store| Ok(store.template(&id)?))?;
    let suggested = format!("plantilla-{}.json", template.id);
    let path = dialogs::pick_save(
        &app,
        desk.dialog_answers.as_ref(),
        SaveKind::Plantilla,
        &suggested,
    )?;
    std::fs::write(&path, template.to_json()).map_err(|e| {
        UiError::new(
            ShellKind::Escritura,
            format!("{}: no se pudo escribir la plantilla: {e}", path.display()),
        )
    })?;
    Ok(path.display().to_string())
}

/// Reads a template file the clinician chooses and saves it (replacing the
/// one with its id); a file that is wrong is refused with its field.
#[tauri::command]
pub async fn template_import<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
) -> UiResult<Template> {
    let path = dialogs::pick_open(&app, desk.dialog_answers.as_ref(), OpenKind::Plantilla)?;
    let bytes = std::fs::read(&path).map_err(|e| {
        UiError::new(
            ShellKind::Archivo,
            format!("{}: no se pudo leer el archivo: {e}", path.display()),
        )
    })?;
    let template = Template::from_json(&bytes).map_err(|e| {
        UiError::new(
            store::ErrorKind::PlantillaInvalida,
            format!("{}: {e}", path.display()),
        )
    })?;
    desk.with_store(|store| Ok(store.save_template(&template)?))?;
    Ok(template)
}

fn invalid(error: clinical::TemplateError) -> UiError {
    UiError::new(store::ErrorKind::PlantillaInvalida, error.to_string())
}
