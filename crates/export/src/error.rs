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
    /// What kind of failure this is: the stable identifier JSON output
    /// and the UI branch on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Logo { .. } => ErrorKind::Logo,
            Error::Typeset(_) => ErrorKind::ComposicionPdf,
            Error::Write { .. } => ErrorKind::Escritura,
        }
    }
}

kinds::error_kind! {
    /// What kind of failure an [`Error`] is. Serialised as the snake_case word
    /// the UI and `--format json` have always seen; the UI's TypeScript union
    /// is generated from [`ErrorKind::ALL`].
    pub enum ErrorKind {
        /// [`Error::Logo`].
        Logo => "logo",
        /// [`Error::Typeset`].
        ComposicionPdf => "composicion_pdf",
        /// [`Error::Write`].
        Escritura => "escritura",
    }
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
