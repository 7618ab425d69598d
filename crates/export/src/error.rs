use std::path::PathBuf;

/// Why a document could not be made. Spanish: these reach the clinician.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no se pudo leer el logo: {reason}")]
    Logo { path: PathBuf, reason: String },
    #[error("no se pudo componer el PDF: {0}")]
    Typeset(String),
    #[error("{path}: no se pudo escribir el documento: {reason}")]
    Write { path: PathBuf, reason: String },
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
