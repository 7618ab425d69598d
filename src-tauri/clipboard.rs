//! The system clipboard, written from Rust so that the window's capability
//! grants no clipboard permission at all (the page can neither read nor
//! write it by itself).

use std::path::Path;

use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::error::{ShellKind, UiError, UiResult};

/// Where, beside the dialog answers, the end-to-end tests find what was
/// copied (see `dialogs.rs`).
pub const RECORDED: &str = "portapapeles.txt";

/// Writes `text` to the clipboard. When the tests drive the window
/// (`answers` is set) it is also written to a file there, so a test can
/// read back exactly what a clinician would paste; on Tauri's mock runtime,
/// which has no display, only the file is written.
pub fn write<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    answers: Option<&Path>,
    text: &str,
) -> UiResult<()> {
    if let Some(dir) = answers {
        std::fs::write(dir.join(RECORDED), text).map_err(|e| {
            UiError::new(
                ShellKind::Portapapeles,
                format!("No se pudo registrar la copia de prueba: {e}"),
            )
        })?;
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            return Ok(());
        }
    }
    app.clipboard().write_text(text).map_err(|e| {
        UiError::new(ShellKind::Portapapeles,
            format!("No se pudo copiar el texto al portapapeles: {e}. Use «Exportar texto…» en su lugar."),
        )
    })
}
