use std::path::PathBuf;

/// Everything that can go wrong in the store. Messages are Spanish because
/// they reach the clinician; each says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be opened as a database (a folder, no permission,
    /// damaged beyond what recovery could do).
    #[error("{path}: no se pudo abrir la base de datos: {reason}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// A newer Epicrisis migrated the file; this one must not write it.
    #[error(
        "{path}: la base de datos es de una versión más nueva de Epicrisis (esquema {found}, esta versión conoce hasta el {known}); actualice la aplicación"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version in the file.
        found: i64,
        /// The newest schema this build knows.
        known: i64,
    },
    /// No space for the write; everything committed before is intact.
    #[error(
        "{path}: el disco está lleno; libere espacio y vuelva a guardar (lo ya guardado no se perdió)"
    )]
    DiskFull {
        /// The file that could not grow.
        path: PathBuf,
    },
    /// The file is write-protected (or was opened read-only on purpose).
    #[error(
        "{path}: la base de datos es de solo lectura; revise los permisos del archivo o elija otra ubicación en Ajustes (lo ya guardado no se perdió)"
    )]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// Another process (the app and the command line share the file) held
    /// the write lock longer than the busy timeout.
    #[error(
        "{path}: la base de datos está ocupada por otro proceso de Epicrisis; espere unos segundos y reintente"
    )]
    Busy {
        /// The database file.
        path: PathBuf,
    },
    /// No draft has this id (or it was purged).
    #[error("no existe el borrador {0}")]
    NoSuchDraft(i64),
    /// The draft exists but has no version with this number.
    #[error("el borrador {draft} no tiene la versión {version}")]
    NoSuchVersion {
        /// The draft.
        draft: i64,
        /// The version asked for.
        version: i64,
    },
    /// The draft is in the bin; it must be restored before it changes.
    #[error("el borrador {0} está en la papelera; restáurelo antes de modificarlo")]
    Deleted(i64),
    /// A change its status forbids: a final draft never changes, only a
    /// reviewed one becomes final, a generation in progress blocks `final`.
    #[error("el borrador {draft} no puede pasar de «{from}» a «{to}»")]
    Transition {
        /// The draft.
        draft: i64,
        /// Where it is (a status, or what blocks it).
        from: &'static str,
        /// What was asked (a status, or the change).
        to: &'static str,
    },
    /// The generation was already finished, discarded, or never began.
    #[error("la generación {0} ya terminó o no existe")]
    NotGenerating(i64),
    /// A stored setting does not have the type the settings say.
    #[error("el ajuste «{key}» tiene un valor inválido: {reason}")]
    Setting {
        /// The setting's key (a JSON path for nested ones).
        key: String,
        /// Why it was refused.
        reason: String,
    },
    /// No template has this id (deleted, or from another PC).
    #[error("no existe la plantilla «{0}»; elija otra en la lista")]
    NoSuchTemplate(String),
    /// A built-in template cannot be replaced or deleted.
    #[error("la plantilla «{0}» viene con la aplicación y no se puede modificar ni eliminar; duplíquela con otro identificador")]
    BuiltinTemplate(String),
    /// A template that does not pass its own checks.
    #[error("la plantilla «{id}» no es válida: {reason}")]
    Template {
        /// The template's id.
        id: String,
        /// The field that is wrong and what to do, in Spanish.
        reason: String,
    },
    /// A file beside the database (backup, lock, form) could
    /// not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why, in Spanish.
        reason: String,
    },
    /// A stored word none of our enums knows (see `records`).
    #[error(
        "{path}: la base de datos tiene un valor desconocido en {what}: «{value}»; puede venir de una versión más nueva de Epicrisis o estar dañada: actualice la aplicación o restaure un respaldo"
    )]
    UnknownValue {
        /// The database file.
        path: PathBuf,
        /// Which column, as a person would name it.
        what: &'static str,
        /// The word found.
        value: String,
    },
    /// Any other SQLite failure, with SQLite's own words.
    #[error("error de la base de datos {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

impl Error {
    /// What kind of failure this is: the stable identifier JSON output
    /// and the UI branch on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Open { .. } => ErrorKind::AbrirBase,
            Error::NewerSchema { .. } => ErrorKind::EsquemaNuevo,
            Error::DiskFull { .. } => ErrorKind::DiscoLleno,
            Error::ReadOnly { .. } => ErrorKind::SoloLectura,
            Error::Busy { .. } => ErrorKind::Ocupada,
            Error::NoSuchDraft(_) => ErrorKind::BorradorInexistente,
            Error::NoSuchVersion { .. } => ErrorKind::VersionInexistente,
            Error::Deleted(_) => ErrorKind::BorradorEliminado,
            Error::Transition { .. } => ErrorKind::TransicionInvalida,
            Error::NotGenerating(_) => ErrorKind::SinGeneracion,
            Error::Setting { .. } => ErrorKind::AjusteInvalido,
            Error::NoSuchTemplate(_) => ErrorKind::PlantillaInexistente,
            Error::BuiltinTemplate(_) => ErrorKind::PlantillaIncorporada,
            Error::Template { .. } => ErrorKind::PlantillaInvalida,
            Error::Io { .. } => ErrorKind::Archivo,
            Error::UnknownValue { .. } => ErrorKind::ValorDesconocido,
            Error::Sqlite { .. } => ErrorKind::BaseDeDatos,
        }
    }

    /// Maps a SQLite error to the variant the clinician can act on.
    pub(crate) fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        if let rusqlite::Error::FromSqlConversionFailure(_, _, cause) = &source {
            if let Some(unknown) = cause.downcast_ref::<crate::records::UnknownValue>() {
                return Error::UnknownValue {
                    path,
                    what: unknown.what,
                    value: unknown.value.clone(),
                };
            }
        }
        match source.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::DiskFull { path },
            Some(ErrorCode::ReadOnly) => Error::ReadOnly { path },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy { path },
            _ => Error::Sqlite { path, source },
        }
    }

    pub(crate) fn io(path: &std::path::Path, error: &std::io::Error) -> Error {
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "no existe".to_string(),
            std::io::ErrorKind::PermissionDenied => "sin permiso".to_string(),
            std::io::ErrorKind::StorageFull => {
                return Error::DiskFull {
                    path: path.to_path_buf(),
                };
            }
            _ => error.to_string(),
        };
        Error::Io {
            path: path.to_path_buf(),
            reason,
        }
    }
}

kinds::error_kind! {
    /// What kind of failure an [`Error`] is. Serialised as the snake_case word
    /// the UI and `--format json` have always seen; the UI's TypeScript union
    /// is generated from [`ErrorKind::ALL`].
    pub enum ErrorKind {
        /// [`Error::Open`].
        AbrirBase => "abrir_base",
        /// [`Error::NewerSchema`].
        EsquemaNuevo => "esquema_nuevo",
        /// [`Error::DiskFull`].
        DiscoLleno => "disco_lleno",
        /// [`Error::ReadOnly`].
        SoloLectura => "solo_lectura",
        /// [`Error::Busy`].
        Ocupada => "ocupada",
        /// [`Error::NoSuchDraft`].
        BorradorInexistente => "borrador_inexistente",
        /// [`Error::NoSuchVersion`].
        VersionInexistente => "version_inexistente",
        /// [`Error::Deleted`].
        BorradorEliminado => "borrador_eliminado",
        /// [`Error::Transition`].
        TransicionInvalida => "transicion_invalida",
        /// [`Error::NotGenerating`].
        SinGeneracion => "sin_generacion",
        /// [`Error::Setting`].
        AjusteInvalido => "ajuste_invalido",
        /// [`Error::NoSuchTemplate`].
        PlantillaInexistente => "plantilla_inexistente",
        /// [`Error::BuiltinTemplate`].
        PlantillaIncorporada => "plantilla_incorporada",
        /// [`Error::Template`].
        PlantillaInvalida => "plantilla_invalida",
        /// [`Error::Io`].
        Archivo => "archivo",
        /// [`Error::UnknownValue`].
        ValorDesconocido => "valor_desconocido",
        /// [`Error::Sqlite`].
        BaseDeDatos => "base_de_datos",
    }
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
