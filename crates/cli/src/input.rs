//! What the commands read: episode files (refused with their errors
//! listed, exit 2), epicrisis texts, and the database.

use std::path::Path;

use crate::output::{print_json, Format, EXIT_INVALID};

/// Loads an episode or reports why not (exit 2).
pub(crate) fn load(path: &Path, format: Format) -> Result<pipeline::LoadedEpisode, u8> {
    pipeline::load_episode(path).map_err(|error| {
        if format == Format::Json {
            print_json(&serde_json::json!({
                "valido": false,
                "error": { "kind": error.kind(), "mensaje": error.to_string() },
            }));
        }
        eprintln!("epicrisis: {error}");
        EXIT_INVALID
    })
}

/// Loads an episode that must be valid to `doing` (redactar, exportar),
/// listing its errors otherwise (exit 2).
pub(crate) fn load_valid(
    path: &Path,
    format: Format,
    doing: &str,
) -> Result<pipeline::LoadedEpisode, u8> {
    let loaded = load(path, format)?;
    if let Err(invalid) = loaded.require_valid() {
        // Every error, not only the first few the refusal names.
        for p in loaded.report.errors() {
            eprintln!("error: {p}");
        }
        eprintln!("epicrisis: {invalid} (antes de {doing})");
        return Err(EXIT_INVALID);
    }
    Ok(loaded)
}

/// Reads a service template file (`docs/templates.md`), or says which
/// field is wrong (exit 2).
pub(crate) fn read_template(path: &Path) -> Result<clinical::Template, u8> {
    let bytes = std::fs::read(path).map_err(|error| {
        eprintln!(
            "epicrisis: {}: no se pudo leer la plantilla: {error}",
            path.display()
        );
        EXIT_INVALID
    })?;
    clinical::Template::from_json(&bytes).map_err(|error| {
        eprintln!("epicrisis: {}: {error}", path.display());
        EXIT_INVALID
    })
}

/// `--template`, read when given.
pub(crate) fn optional_template(path: Option<&Path>) -> Result<Option<clinical::Template>, u8> {
    path.map(read_template).transpose()
}

/// Reads an epicrisis text or says why not (exit 2).
pub(crate) fn read_text(path: &Path) -> Result<String, u8> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            eprintln!(
                "epicrisis: {}: el texto no está en UTF-8; guárdelo como UTF-8",
                path.display()
            );
            EXIT_INVALID
        }),
        Err(error) => {
            eprintln!(
                "epicrisis: {}: no se pudo leer el texto: {error}",
                path.display()
            );
            Err(EXIT_INVALID)
        }
    }
}

/// Opens the store, telling the user on stderr what the open found (a
/// damaged file moved aside, interrupted generations). `None` after
/// printing why it could not be opened.
pub(crate) fn open_store(db: Option<&Path>) -> Option<store::Store> {
    let opened = store::location::resolve(db)
        .and_then(|path| store::Store::open(&path, store::OpenOptions::default()));
    let (store, report) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("epicrisis: {error}");
            return None;
        }
    };
    if let Some(aside) = &report.moved_aside {
        eprintln!(
            "epicrisis: la base de datos estaba dañada; se movió a {} (no se borró)",
            aside.display()
        );
        match &report.restored_from {
            Some(backup) => eprintln!("epicrisis: se restauró el respaldo {}", backup.display()),
            None => eprintln!("epicrisis: no había respaldos; se comenzó una base de datos nueva"),
        }
    }
    for gen in &report.interrupted {
        eprintln!(
            "epicrisis: la generación de la versión {} del borrador {} ({}) quedó interrumpida con {} caracteres; retómela o descártela en la aplicación",
            gen.version, gen.draft_id, gen.patient_name, gen.chars
        );
    }
    if let Some(reason) = &report.backup_error {
        eprintln!("epicrisis: no se pudo hacer el respaldo diario: {reason}");
    }
    if report.read_only {
        eprintln!("epicrisis: la base de datos es de solo lectura");
    }
    Some(store)
}
