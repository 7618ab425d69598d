//! Native file dialogs, opened from Rust so that the web view needs no
//! dialog or filesystem permission at all.
//!
//! When `EPICRISIS_E2E_DIALOGS` names a folder (the end-to-end tests set
//! it), no dialog opens: an open dialog answers `<folder>/episodio.json`,
//! `<folder>/modelo.gguf` or `<folder>/plantilla.json`, a folder dialog `<folder>/modelo-afinado` or
//! `<folder>/adaptador`, a save dialog `<folder>/<suggested name>`. A
//! WebDriver cannot reach a native GTK dialog, and the rest of each path
//! (reading, writing, auditing) stays the real one.

use std::path::{Path, PathBuf};

use tauri_plugin_dialog::DialogExt;

use crate::error::{ShellKind, UiError, UiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpenKind {
    Episodio,
    Modelo,
    Plantilla,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveKind {
    Json,
    Pdf,
    Texto,
    Markdown,
    Respaldo,
    Plantilla,
}

impl SaveKind {
    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            SaveKind::Json => ("Episodio JSON", &["json"]),
            SaveKind::Pdf => ("Documento PDF", &["pdf"]),
            SaveKind::Texto => ("Texto", &["txt"]),
            SaveKind::Markdown => ("Markdown", &["md"]),
            SaveKind::Respaldo => ("Base de datos SQLite", &["sqlite3"]),
            SaveKind::Plantilla => ("Plantilla JSON", &["json"]),
        }
    }
}

pub fn pick_open<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    answers: Option<&PathBuf>,
    kind: OpenKind,
) -> UiResult<PathBuf> {
    let (title, name, extensions): (&str, &str, &[&str]) = match kind {
        OpenKind::Episodio => ("Importar episodio", "episodio.json", &["json"]),
        OpenKind::Modelo => ("Elegir modelo", "modelo.gguf", &["gguf"]),
        OpenKind::Plantilla => ("Importar plantilla", "plantilla.json", &["json"]),
    };
    if let Some(dir) = answers {
        return Ok(dir.join(name));
    }
    let label = match kind {
        OpenKind::Episodio => "Episodio JSON",
        OpenKind::Modelo => "Modelo GGUF",
        OpenKind::Plantilla => "Plantilla JSON",
    };
    let picked = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter(label, extensions)
        .blocking_pick_file();
    chosen(picked)
}

/// The folders an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum FolderKind {
    /// A Hugging Face checkpoint.
    Afinado,
    /// A PEFT LoRA adapter.
    Adaptador,
}

pub fn pick_folder<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    answers: Option<&PathBuf>,
    kind: FolderKind,
) -> UiResult<PathBuf> {
    let (title, name) = match kind {
        FolderKind::Afinado => (
            "Carpeta del modelo afinado (config.json, .safetensors, tokenizer.json)",
            "modelo-afinado",
        ),
        FolderKind::Adaptador => (
            "Carpeta del adaptador LoRA (adapter_config.json)",
            "adaptador",
        ),
    };
    if let Some(dir) = answers {
        return Ok(dir.join(name));
    }
    let picked = app.dialog().file().set_title(title).blocking_pick_folder();
    chosen(picked)
}

pub fn pick_save<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    answers: Option<&PathBuf>,
    kind: SaveKind,
    suggested: &str,
) -> UiResult<PathBuf> {
    if let Some(dir) = answers {
        return Ok(dir.join(suggested));
    }
    let (label, extensions) = kind.filter();
    let picked = app
        .dialog()
        .file()
        .set_file_name(suggested)
        .add_filter(label, extensions)
        .blocking_save_file();
    chosen(picked)
}

/// The path the clinician chose; closing the dialog is `cancelado`.
fn chosen(picked: Option<tauri_plugin_dialog::FilePath>) -> UiResult<PathBuf> {
    picked
        .ok_or_else(UiError::cancelled)?
        .into_path()
        .map_err(|e| {
            UiError::new(
                ShellKind::Dialogo,
                format!("La ruta elegida no es válida: {e}"),
            )
        })
}

/// Shows `folder` in the platform's file manager.
pub fn reveal(folder: &Path) -> UiResult<()> {
    let program = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(program)
        .arg(folder)
        .spawn()
        .map(|_| ())
        .map_err(|e| {
            UiError::new(ShellKind::Registro,
                format!(
                    "No se pudo abrir la carpeta {} ({program}: {e}); ábrala desde el explorador de archivos.",
                    folder.display()
                ),
            )
        })
}
