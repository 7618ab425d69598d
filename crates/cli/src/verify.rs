//! `epicrisis verify`: a text checked against its episode, findings
//! listed (exit 1 when any is of high severity).

use std::path::Path;

use crate::input::{load, read_text};
use crate::output::{print_findings, print_json, Format, EXIT_PROBLEMS};

pub(crate) fn run(episode_path: &Path, text_path: &Path, format: Format) -> anyhow::Result<u8> {
    let loaded = match load(episode_path, format) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let text = match read_text(text_path) {
        Ok(text) => text,
        Err(code) => return Ok(code),
    };
    let checked = pipeline::check_text(&loaded.episode, &text);
    match format {
        Format::Json => print_json(&serde_json::json!({
            "hallazgos": checked.findings,
            "confirmados": checked.confirmed,
        })),
        Format::Text => print_findings(&checked.text, &checked.findings)?,
    }
    Ok(if clinical::has_alta(&checked.findings) {
        EXIT_PROBLEMS
    } else {
        0
    })
}
