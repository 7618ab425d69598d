//! `epicrisis check`: every error and warning of an episode file.

use std::io::Write;
use std::path::Path;

use clinical::Severity;

use crate::input::load;
use crate::output::{print_json, Format, EXIT_INVALID};

pub(crate) fn run(path: &Path, format: Format) -> anyhow::Result<u8> {
    let loaded = match load(path, format) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let report = &loaded.report;
    let valid = !report.has_errors();
    match format {
        Format::Json => print_json(&serde_json::json!({
            "valido": valid,
            "problemas": report.problems,
        })),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            for p in &report.problems {
                let label = match p.severity {
                    Severity::Error => "error",
                    Severity::Warning => "advertencia",
                };
                writeln!(out, "{label}: {p}")?;
            }
            let errors = report.errors().count();
            let warnings = report.warnings().count();
            if valid {
                writeln!(
                    out,
                    "{}: episodio válido ({warnings} advertencia{})",
                    path.display(),
                    if warnings == 1 { "" } else { "s" }
                )?;
            } else {
                writeln!(
                    out,
                    "{}: episodio inválido: {errors} error{} y {warnings} advertencia{}; corrija los errores para generar la epicrisis",
                    path.display(),
                    if errors == 1 { "" } else { "es" },
                    if warnings == 1 { "" } else { "s" }
                )?;
            }
        }
    }
    Ok(if valid { 0 } else { EXIT_INVALID })
}
