//! The episode form being filled in, kept beside the database so that a
//! crash or a closed window loses at most the last keystrokes. It is not a
//! draft yet (nothing was generated from it), so it lives in one file that
//! each save replaces whole, never in the audited tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::Store;

/// The file next to `db_path` that holds the form.
pub fn path(db_path: &Path) -> PathBuf {
    db_path.with_file_name("formulario-en-curso.json")
}

impl Store {
    /// Replaces the saved form with `json`: written to a temporary file,
    /// synced, then renamed over the old one, so a crash leaves either the
    /// old form or the new one, never half of each.
    pub fn save_form(&self, json: &str) -> Result<()> {
        let target = path(self.path());
        let partial = target.with_extension("json.parcial");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&partial)?;
            file.write_all(json.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&partial, &target)
        };
        write().map_err(|e| Error::io(&target, &e))
    }

    /// The form saved last, if any.
    pub fn saved_form(&self) -> Result<Option<String>> {
        let target = path(self.path());
        match std::fs::read_to_string(&target) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&target, &e)),
        }
    }

    /// Forgets the saved form ("Nuevo episodio").
    pub fn clear_form(&self) -> Result<()> {
        let target = path(self.path());
        match std::fs::remove_file(&target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&target, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::{OpenOptions, Store};

    #[test]
    fn the_form_survives_reopening_and_can_be_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("e.sqlite3");
        let (store, _) = Store::open(&db, OpenOptions::default()).unwrap();
        assert_eq!(store.saved_form().unwrap(), None);
        store.save_form(r#"{"motivo_ingreso": "Fiebre"}"#).unwrap();
        store
            .save_form(r#"{"motivo_ingreso": "Fiebre y tos"}"#)
            .unwrap();
        drop(store);
        let (store, _) = Store::open(&db, OpenOptions::default()).unwrap();
        assert_eq!(
            store.saved_form().unwrap().as_deref(),
            Some(r#"{"motivo_ingreso": "Fiebre y tos"}"#)
        );
        assert!(!super::path(&db).with_extension("json.parcial").exists());
        store.clear_form().unwrap();
        store.clear_form().unwrap();
        assert_eq!(store.saved_form().unwrap(), None);
    }
}
