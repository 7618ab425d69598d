#![warn(missing_docs)]
//! The one place where the steps of Epicrisis meet: episode file → validated,
//! normalised episode → (prompt → engine →) finished text → faithfulness
//! findings (→ store). The desktop shell and the `epicrisis` command line
//! both call this crate, so that a step cannot differ between them.
//!
//! The model step ([`generate`]) builds the prompt within the model's
//! context, streams the model's text, finishes it (patient line, controls)
//! and checks it; when there is no model or it fails, [`deterministic`]
//! writes the draft instead.
//!
//! ```no_run
//! let loaded = pipeline::load_episode(std::path::Path::new("neumonia.json"))?;
//! if !loaded.report.has_errors() {
//!     let result = pipeline::deterministic(&loaded.episode);
//!     println!("{}", result.text);
//! }
//! # Ok::<(), pipeline::Error>(())
//! ```

use std::path::{Path, PathBuf};

use clinical::{Episode, Finding, Report};
use serde::Serialize;

mod desk;
mod generate;
pub mod model_folder;
mod settings;

pub use desk::{
    copy_text, draft_episode, draft_for_episode, duplicate_draft, export_version, render,
    review_version, save_edit, write_deterministic, Format, CLIPBOARD,
};
pub use generate::{
    chosen_template, generate, generate_draft, lock_store, profile_for, regenerate_section,
    DraftRequest, Generated, GeneratedVersion, Plan, ProfileChoice, SamplingSource,
    SectionDraftRequest, Task, TemplateChoice, Timings,
};
pub use settings::{SamplingSettings, Settings, StartChoice};

/// Why an action could not be done. Spanish, naming the file or the
/// draft: these reach the clinician as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The episode file cannot be read (missing, a folder, no permission).
    #[error("{path}: no se pudo leer el archivo: {reason}")]
    Read {
        /// The file asked for.
        path: PathBuf,
        /// What went wrong, in Spanish.
        reason: String,
    },
    /// The episode file is not Episode JSON v1.
    #[error("{path}: {source}")]
    Import {
        /// The file.
        path: PathBuf,
        /// What is wrong with it, with line and column or JSON path.
        #[source]
        source: clinical::ImportError,
    },
    /// The form holds something that is not Episode JSON v1.
    #[error("formulario: {source}")]
    Form {
        /// What is wrong with it.
        #[source]
        source: clinical::ImportError,
    },
    /// A draft's stored episode no longer parses (written by an older
    /// format, or edited by hand).
    #[error("el episodio guardado con el borrador {draft} no se puede leer: {source}")]
    Stored {
        /// The draft.
        draft: store::DraftId,
        /// What is wrong with its episode.
        #[source]
        source: clinical::ImportError,
    },
    /// An episode with validation errors asked to be drafted or exported;
    /// warnings never block.
    #[error("{}", invalid_message(path.as_deref(), errors))]
    Invalid {
        /// The file; `None` for the form.
        path: Option<PathBuf>,
        /// The first few errors, joined.
        errors: String,
    },
    /// The database refused (disk full, read-only, a final draft…).
    #[error(transparent)]
    Store(#[from] store::Error),
    /// A document could not be made or written.
    #[error(transparent)]
    Export(#[from] export::Error),
    /// The model could not be loaded or failed while writing.
    #[error(transparent)]
    Engine(#[from] engine::Error),
    /// The episode does not fit the model's context even shortened.
    #[error(transparent)]
    Prompt(#[from] clinical::PromptError),
    /// A section was asked to be rewritten that the text does not have.
    #[error(
        "la versión {version} del borrador {draft} no tiene la sección «{section}»: su título debe estar solo en una línea; elija otra sección o regenere el texto completo"
    )]
    NoSection {
        /// The section's title.
        section: &'static str,
        /// The draft.
        draft: store::DraftId,
        /// The version.
        version: i64,
    },
    /// A setting the engine or the export would refuse later; refused
    /// when it is saved, beside its field.
    #[error("{0}")]
    Setting(String),
    /// A model file could not be copied into the models folder.
    #[error("{path}: {reason}")]
    Copy {
        /// The file read or written.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// The clinician cancelled a model copy; nothing was left half-written.
    #[error("se canceló la copia del modelo; no quedó ningún archivo a medias")]
    Cancelled,
}

impl Error {
    /// What kind of failure this is: the stable identifier JSON output
    /// and the UI branch on (a source's own kind where the error is one).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Read { .. } => ErrorKind::Lectura,
            Error::Invalid { .. } => ErrorKind::EpisodioConErrores,
            Error::Import { source, .. }
            | Error::Form { source }
            | Error::Stored { source, .. } => ErrorKind::Episode(source.kind()),
            Error::Export(source) => ErrorKind::Export(source.kind()),
            Error::Store(source) => ErrorKind::Store(source.kind()),
            Error::Engine(source) => ErrorKind::Engine(source.kind()),
            Error::Prompt(_) => ErrorKind::EpisodioNoCabe,
            Error::NoSection { .. } => ErrorKind::SeccionInexistente,
            Error::Setting(_) => ErrorKind::ParametroInvalido,
            Error::Copy { .. } => ErrorKind::Archivo,
            Error::Cancelled => ErrorKind::Cancelado,
        }
    }

    fn copy(path: &Path, error: &std::io::Error) -> Error {
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "no existe".into(),
            std::io::ErrorKind::PermissionDenied => "sin permiso".into(),
            std::io::ErrorKind::StorageFull => {
                "el disco está lleno; libere espacio o copie el modelo a otro disco".into()
            }
            _ => error.to_string(),
        };
        Error::Copy {
            path: path.to_path_buf(),
            reason,
        }
    }
}

kinds::error_kind! {
    /// What kind of failure an [`Error`] is. Serialised as the snake_case word
    /// the UI and `--format json` have always seen: this crate's own, or the
    /// source crate's as it is.
    pub enum ErrorKind {
        /// [`Error::Read`].
        Lectura => "lectura",
        /// [`Error::Invalid`].
        EpisodioConErrores => "episodio_con_errores",
        /// [`Error::Prompt`].
        EpisodioNoCabe => "episodio_no_cabe",
        /// [`Error::NoSection`].
        SeccionInexistente => "seccion_inexistente",
        /// [`Error::Setting`].
        ParametroInvalido => "parametro_invalido",
        /// [`Error::Copy`].
        Archivo => "archivo",
        /// [`Error::Cancelled`].
        Cancelado => "cancelado",
    }
    from {
        /// [`Error::Import`], [`Error::Form`], [`Error::Stored`].
        Episode(clinical::ImportErrorKind),
        /// [`Error::Export`].
        Export(export::ErrorKind),
        /// [`Error::Store`].
        Store(store::ErrorKind),
        /// [`Error::Engine`].
        Engine(engine::ErrorKind),
    }
}

/// Where to correct an episode depends on where it came from.
fn invalid_message(path: Option<&Path>, errors: &str) -> String {
    match path {
        None => format!(
            "El episodio tiene errores que impiden redactar la epicrisis; corríjalos en el formulario: {errors}"
        ),
        Some(path) => format!(
            "{}: el episodio tiene errores que impiden redactar la epicrisis; corríjalos (vea «epicrisis check»): {errors}",
            path.display()
        ),
    }
}

/// An episode read from a file: normalised, with its validation report.
#[derive(Debug, Clone)]
pub struct LoadedEpisode {
    /// The file it came from; `None` when it was typed into the form.
    pub path: Option<PathBuf>,
    /// The file's text as given, which the store keeps verbatim.
    pub source: String,
    /// The episode, normalised.
    pub episode: Episode,
    /// Every validation problem; errors block drafting, warnings do not.
    pub report: Report,
}

impl LoadedEpisode {
    /// The rule every action that writes an epicrisis applies first: an
    /// episode with errors is refused, naming its first errors and where
    /// to correct them; warnings never block.
    pub fn require_valid(&self) -> Result<(), Error> {
        if !self.report.has_errors() {
            return Ok(());
        }
        let first: Vec<String> = self
            .report
            .errors()
            .take(3)
            .map(|p| p.to_string())
            .collect();
        Err(Error::Invalid {
            path: self.path.clone(),
            errors: first.join("; "),
        })
    }
}

/// Reads, parses, normalises and validates an episode file. The size limit
/// is checked before the file is read, so a wrong multi-gigabyte file is
/// refused at once.
pub fn load_episode(path: &Path) -> Result<LoadedEpisode, Error> {
    let read_error = |e: std::io::Error| Error::Read {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if metadata.is_dir() {
        return Err(Error::Read {
            path: path.to_path_buf(),
            reason: "es una carpeta; elija un archivo JSON de episodio".into(),
        });
    }
    let size = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    if size > clinical::MAX_EPISODE_BYTES {
        return Err(Error::Import {
            path: path.to_path_buf(),
            source: clinical::ImportError::TooLarge {
                bytes: size,
                limit: clinical::MAX_EPISODE_BYTES,
            },
        });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    let episode = clinical::parse_episode(&bytes).map_err(|source| Error::Import {
        path: path.to_path_buf(),
        source,
    })?;
    // Parsing succeeded, so the bytes are UTF-8 (a BOM included).
    let source = String::from_utf8_lossy(&bytes).into_owned();
    Ok(checked_episode(Some(path.to_path_buf()), source, episode))
}

/// Parses, normalises and validates the episode JSON the form holds: the
/// same rules as a file, with errors that name the form.
pub fn form_episode(source: &str) -> Result<LoadedEpisode, Error> {
    if source.len() > clinical::MAX_EPISODE_BYTES {
        return Err(Error::Form {
            source: clinical::ImportError::TooLarge {
                bytes: source.len(),
                limit: clinical::MAX_EPISODE_BYTES,
            },
        });
    }
    let episode =
        clinical::parse_episode(source.as_bytes()).map_err(|source| Error::Form { source })?;
    Ok(checked_episode(None, source.to_string(), episode))
}

pub(crate) fn checked_episode(
    path: Option<PathBuf>,
    source: String,
    episode: Episode,
) -> LoadedEpisode {
    let episode = clinical::normalize(episode);
    let report = clinical::validate(&episode);
    LoadedEpisode {
        path,
        source,
        episode,
        report,
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "el archivo no existe".into(),
        std::io::ErrorKind::PermissionDenied => "sin permiso de lectura".into(),
        _ => error.to_string(),
    }
}

/// A finished epicrisis and what the check found in it.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// The whole epicrisis, patient line to controls.
    pub text: String,
    /// What the faithfulness check found, in text order.
    pub findings: Vec<Finding>,
    /// The claims the episode confirmed, each with its source path.
    pub confirmed: Vec<clinical::Confirmed>,
}

/// The deterministic epicrisis of an episode, checked like any other draft.
pub fn deterministic(episode: &Episode) -> Checked {
    check_text(episode, &clinical::draft(episode))
}

/// The deterministic epicrisis as a service template shapes it, checked.
pub fn deterministic_with(episode: &Episode, template: &clinical::Template) -> Checked {
    check_text(episode, &clinical::draft_with(episode, template))
}

/// Checks a text (typically a model's, after editing) against the episode.
pub fn check_text(episode: &Episode, text: &str) -> Checked {
    let review = clinical::review(episode, text);
    Checked {
        text: text.to_string(),
        findings: review.findings,
        confirmed: review.confirmed,
    }
}

/// Keeps a checked text, with its findings, as the next version of `draft`.
pub(crate) fn add_checked_version(
    store: &mut store::Store,
    draft: store::DraftId,
    origin: store::Origin,
    checked: &Checked,
    provenance: store::Provenance,
    timings: Option<serde_json::Value>,
) -> Result<store::Version, Error> {
    let version = store.add_version(
        draft,
        origin,
        store::NewVersion {
            text: checked.text.clone(),
            provenance,
            timings,
            findings: checked.findings.clone(),
        },
    )?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data")
            .join(name)
    }

    #[test]
    fn loads_and_checks_an_example() {
        let loaded = load_episode(&data("episodes/neumonia.json")).unwrap();
        assert!(!loaded.report.has_errors());
        let result = deterministic(&loaded.episode);
        assert!(
            !clinical::has_alta(&result.findings),
            "{:#?}",
            result.findings
        );
    }

    #[test]
    fn a_deterministic_draft_is_kept_with_its_episode_and_findings() {
        let dir = tempfile::tempdir().unwrap();
        let options = store::OpenOptions {
            actor: "prueba".into(),
            daily_backup: false,
            keep_backups: 7,
        };
        let (mut store, _) = store::Store::open(&dir.path().join("e.sqlite3"), options).unwrap();
        let loaded = load_episode(&data("episodes/neumonia.json")).unwrap();
        let (version, checked) =
            write_deterministic(&mut store, &loaded, None, &TemplateChoice::Service).unwrap();
        assert_eq!(version.text, checked.text);
        assert_eq!(version.findings, checked.findings);
        let draft = store.draft(version.draft_id).unwrap();
        assert_eq!(
            draft.episode_json,
            std::fs::read_to_string(data("episodes/neumonia.json")).unwrap()
        );
        assert_eq!(draft.summary.patient_name, "María Inés Soto Carrasco");
    }

    #[test]
    fn an_episode_with_errors_is_refused_naming_where_to_correct_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) =
            store::Store::open(&dir.path().join("e.sqlite3"), store::OpenOptions::default())
                .unwrap();
        let file = load_episode(&data("bad/fechas_invertidas.json")).unwrap();
        let error =
            write_deterministic(&mut store, &file, None, &TemplateChoice::Service).unwrap_err();
        assert_eq!(error.kind(), "episodio_con_errores");
        let message = error.to_string();
        assert!(
            message.contains("fechas_invertidas.json: el episodio tiene errores"),
            "{message}"
        );
        assert!(message.contains("epicrisis check"), "{message}");
        let form = form_episode(r#"{"paciente": {}}"#).unwrap();
        let message = form.require_valid().unwrap_err().to_string();
        assert!(message.contains("corríjalos en el formulario"), "{message}");
        // Nothing was written for either.
        assert!(store.list(&store::ListQuery::default()).unwrap().is_empty());
    }

    #[test]
    fn file_errors_name_the_file() {
        let missing = load_episode(&data("episodes/no-existe.json")).unwrap_err();
        assert!(
            missing
                .to_string()
                .ends_with("no-existe.json: no se pudo leer el archivo: el archivo no existe"),
            "{missing}"
        );
        let dir = load_episode(&data("episodes")).unwrap_err();
        assert!(dir.to_string().contains("es una carpeta"), "{dir}");
    }
}
