//! Where the database lives: the `--db` flag, then `EPICRISIS_DB` (tests
//! and scripts), then the location the user chose in the app's settings
//! (kept in a one-line file in the config directory, since the database
//! cannot hold its own whereabouts), then the platform data directory.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The variable that names the database, after `--db` and before the app's.
pub const ENV_DB: &str = "EPICRISIS_DB";
/// Tauri's app identifier, so that the app's data directory and ours agree.
const APP_DIR: &str = "cl.epicrisis.app";
const FILE_NAME: &str = "epicrisis.sqlite3";
const POINTER_FILE: &str = "ubicacion-base-de-datos.txt";

/// Resolves the database path in the order above.
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(ENV_DB).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    if let Some(path) = chosen_location() {
        return Ok(path);
    }
    default_path()
}

/// `<data dir>/cl.epicrisis.app/epicrisis.sqlite3` (`~/.local/share` on Linux,
/// `%APPDATA%` on Windows, `~/Library/Application Support` on macOS).
pub fn default_path() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|dir| dir.join(APP_DIR).join(FILE_NAME))
        .ok_or_else(|| Error::Io {
            path: PathBuf::from(FILE_NAME),
            reason: "no se encontró la carpeta de datos del usuario; indique la base de datos con --db o EPICRISIS_DB".into(),
        })
}

fn pointer_file() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join(APP_DIR).join(POINTER_FILE))
}

fn chosen_location() -> Option<PathBuf> {
    let text = std::fs::read_to_string(pointer_file()?).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| PathBuf::from(line))
}

/// Remembers a database location chosen in the app (`None` forgets it).
pub fn choose_location(path: Option<&Path>) -> Result<()> {
    let Some(pointer) = pointer_file() else {
        return Err(Error::Io {
            path: PathBuf::from(POINTER_FILE),
            reason: "no se encontró la carpeta de configuración del usuario".into(),
        });
    };
    match path {
        None => match std::fs::remove_file(&pointer) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&pointer, &e)),
            _ => Ok(()),
        },
        Some(path) => {
            if let Some(dir) = pointer.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
            }
            std::fs::write(&pointer, format!("{}\n", path.display()))
                .map_err(|e| Error::io(&pointer, &e))
        }
    }
}
