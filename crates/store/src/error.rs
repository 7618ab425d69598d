use std::path::PathBuf;

/// Everything that can go wrong in the store. Messages are Spanish because
/// they reach the clinician; each says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no se pudo abrir la base de datos: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error(
        "{path}: la base de datos es de una versión más nueva de Epicrisis (esquema {found}, esta versión conoce hasta el {known}); actualice la aplicación"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{path}: el disco está lleno; libere espacio y vuelva a guardar (lo ya guardado no se perdió)"
    )]
    DiskFull { path: PathBuf },
    #[error(
        "{path}: la base de datos es de solo lectura; revise los permisos del archivo o elija otra ubicación en Ajustes (lo ya guardado no se perdió)"
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "{path}: la base de datos está ocupada por otro proceso de Epicrisis; espere unos segundos y reintente"
    )]
    Busy { path: PathBuf },
    #[error("no existe el borrador {0}")]
    NoSuchDraft(i64),
    #[error("el borrador {draft} no tiene la versión {version}")]
    NoSuchVersion { draft: i64, version: i64 },
    #[error("el borrador {0} está en la papelera; restáurelo antes de modificarlo")]
    Deleted(i64),
    #[error("el borrador {draft} no puede pasar de «{from}» a «{to}»")]
    Transition {
        draft: i64,
        from: &'static str,
        to: &'static str,
    },
    #[error("la generación {0} ya terminó o no existe")]
    NotGenerating(i64),
    #[error("el ajuste «{key}» tiene un valor inválido: {reason}")]
    Setting { key: String, reason: String },
    #[error("se canceló la copia del modelo; no quedó ningún archivo a medias")]
    Cancelled,
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error(
        "{path}: la base de datos tiene un valor desconocido en {what}: «{value}»; puede venir de una versión más nueva de Epicrisis o estar dañada: actualice la aplicación o restaure un respaldo"
    )]
    UnknownValue {
        path: PathBuf,
        what: &'static str,
        value: String,
    },
    #[error("error de la base de datos {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

impl Error {
    /// A stable identifier of the kind of failure, for JSON output and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Open { .. } => "abrir_base",
            Error::NewerSchema { .. } => "esquema_nuevo",
            Error::DiskFull { .. } => "disco_lleno",
            Error::ReadOnly { .. } => "solo_lectura",
            Error::Busy { .. } => "ocupada",
            Error::NoSuchDraft(_) => "borrador_inexistente",
            Error::NoSuchVersion { .. } => "version_inexistente",
            Error::Deleted(_) => "borrador_eliminado",
            Error::Transition { .. } => "transicion_invalida",
            Error::NotGenerating(_) => "sin_generacion",
            Error::Setting { .. } => "ajuste_invalido",
            Error::Cancelled => "cancelado",
            Error::Io { .. } => "archivo",
            Error::UnknownValue { .. } => "valor_desconocido",
            Error::Sqlite { .. } => "base_de_datos",
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
