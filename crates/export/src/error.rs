use std::path::PathBuf;

/// Why a document could not be made. Spanish: these reach the clinician.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The letterhead's logo cannot be read or is not an image we embed.
    #[error("{path}: no se pudo leer el logo: {reason}")]
    Logo {
        /// The logo file.
        path: PathBuf,
        /// What went wrong, in Spanish.
        reason: String,
    },
    /// typst refused the document (its messages, deduplicated).
    #[error("no se pudo componer el PDF: {0}")]
    Typeset(String),
    /// The output file could not be written; nothing half-written is left.
    #[error("{path}: no se pudo escribir el documento: {reason}")]
    Write {
        /// The file asked for.
        path: PathBuf,
        /// What went wrong, in Spanish.
        reason: String,
    },
}

impl Error {
    /// A stable identifier of the kind of failure, for JSON output and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Logo { .. } => "logo",
            Error::Typeset(_) => "composicion_pdf",
            Error::Write { .. } => "escritura",
        }
    }
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
