//! `epicrisis draft`: the deterministic epicrisis, printed, and kept as a
//! new draft with `--save` (through `pipeline::write_deterministic`, as
//! the window keeps it).

use std::path::Path;

use crate::input::{load_valid, open_store};
use crate::output::{print_json, Format, EXIT_PROBLEMS};

/// `save`: `Some(db)` to keep the result in the store. `template`: the
/// `--template` file; without it, the service's when saving (the store
/// holds the service templates), every section otherwise.
pub(crate) fn run(
    path: &Path,
    template: Option<clinical::Template>,
    format: Format,
    save: Option<Option<&Path>>,
) -> anyhow::Result<u8> {
    let loaded = match load_valid(path, format, "redactar") {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    // A failed save still prints the text, so that nothing is lost.
    let saved = save.and_then(|db| {
        let mut store = open_store(db)?;
        let choice = template.clone().map_or(
            pipeline::TemplateChoice::Service,
            pipeline::TemplateChoice::Given,
        );
        match pipeline::write_deterministic(&mut store, &loaded, None, &choice) {
            Ok(saved) => {
                let version = &saved.0;
                eprintln!(
                    "epicrisis: guardado como borrador {} (versión {}) en {}",
                    version.draft_id,
                    version.number,
                    store.path().display()
                );
                Some(saved)
            }
            Err(error) => {
                eprintln!("epicrisis: no se pudo guardar: {error}");
                None
            }
        }
    });
    let save_failed = save.is_some() && saved.is_none();
    let (saved, result) = match saved {
        Some((version, checked)) => (Some(version), checked),
        None => (
            None,
            match &template {
                Some(t) => pipeline::deterministic_with(&loaded.episode, t),
                None => pipeline::deterministic(&loaded.episode),
            },
        ),
    };
    if save_failed {
        eprintln!(
            "epicrisis: la epicrisis no quedó guardada; se muestra abajo para que no se pierda"
        );
    }
    match format {
        Format::Text => print!("{}", result.text),
        Format::Json => print_json(&serde_json::json!({
            "texto": result.text,
            "origen": "determinista",
            "hallazgos": result.findings,
            "problemas": loaded.report.problems,
            "borrador": saved.as_ref().map(|v| v.draft_id),
            "version": saved.as_ref().map(|v| v.number),
        })),
    }
    Ok(if save_failed { EXIT_PROBLEMS } else { 0 })
}
