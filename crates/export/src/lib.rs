#![warn(missing_docs)]
//! Documents a hospital can file: the finished epicrisis and its episode
//! typeset as PDF (typst with embedded fonts, Spanish hyphenation, page
//! numbers, PDF/A-2b), written as wrapped UTF-8 text, or as Markdown.
//!
//! The facts on paper (identification, diagnoses, procedures, drugs,
//! controls) are taken from the episode, never from the model's text; the
//! text supplies only the narrative. Every renderer takes one `Document`, so
//! they show the same content in the same order.
//!
//! ```no_run
//! let json = std::fs::read("neumonia.json")?;
//! let episode = clinical::normalize(clinical::parse_episode(&json)?);
//! let text = clinical::draft(&episode);
//! let options = export::Options::default(); // A4, BORRADOR watermark, today
//! let pdf = export::pdf(&episode, &text, &options)?;
//! export::write(std::path::Path::new("epicrisis.pdf"), &pdf)?;
//! let txt = export::text(&episode, &text, &options);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod document;
mod error;
mod markdown;
mod pdf;
mod text;

use std::path::Path;

use clinical::Episode;

pub use document::{paragraphs, Document, Letterhead, Options, Paper, MISSING};
pub use error::{Error, ErrorKind, Result};
pub use text::WIDTH as TEXT_WIDTH;

/// The epicrisis as a PDF/A-2b file's bytes.
pub fn pdf(episode: &Episode, text: &str, options: &Options) -> Result<Vec<u8>> {
    pdf::render(&Document::new(episode, text, options))
}

/// The epicrisis as wrapped UTF-8 text.
pub fn text(episode: &Episode, text: &str, options: &Options) -> String {
    text::render(&Document::new(episode, text, options))
}

/// The epicrisis as Markdown, every value from the record escaped.
pub fn markdown(episode: &Episode, text: &str, options: &Options) -> String {
    markdown::render(&Document::new(episode, text, options))
}

/// Writes a document next to its destination and renames it into place,
/// so that a failed export never leaves half a file where a good one was.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let error = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "la carpeta no existe".into(),
            std::io::ErrorKind::PermissionDenied => "sin permiso de escritura".into(),
            std::io::ErrorKind::IsADirectory => "es una carpeta; indique un archivo".into(),
            _ => e.to_string(),
        },
    };
    if path.is_dir() {
        return Err(error(std::io::Error::from(
            std::io::ErrorKind::IsADirectory,
        )));
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".parcial");
    let partial = std::path::PathBuf::from(partial);
    std::fs::write(&partial, bytes).map_err(error)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        error(e)
    })
}
