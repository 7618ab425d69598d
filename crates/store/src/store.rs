//! The `Store`: one open database. What a clinician can change is spread
//! by subject over `drafts`, `versions`, `generation` (streaming saves),
//! `settings` and `audit`; every write goes through [`crate::change::Change`],
//! one transaction audited in itself, so the trail and the data cannot
//! disagree.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::json;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::open::{OpenOptions, OpenReport};

/// One open database. Not `Sync`: the app keeps it behind a mutex, and a
/// second process opens its own (SQLite's locks and the busy timeout keep
/// them apart).
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) actor: String,
    pub(crate) read_only: bool,
}

impl Store {
    /// Opens (creating if needed) the database at `path`. See `OpenReport`
    /// for what the app should tell the user afterwards.
    pub fn open(path: &Path, options: OpenOptions) -> Result<(Store, OpenReport)> {
        let opened = crate::open::open(path, &options)?;
        let store = Store {
            conn: opened.conn,
            path: path.to_path_buf(),
            actor: options.actor,
            read_only: opened.report.read_only,
        };
        Ok((store, opened.report))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file is write-protected: drafts can be read, not changed.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |e| Error::sqlite(&self.path, e)
    }

    /// Every row of a two-text-column query (`key, value`): how settings
    /// and templates are both kept.
    pub(crate) fn text_pairs(&self, sql: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(self.err())?;
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.err())
    }

    /// Copies the whole database to `target` now (online backup API).
    pub fn backup_to(&mut self, target: &Path) -> Result<()> {
        if same_file(target, &self.path) {
            return Err(Error::Io {
                path: target.to_path_buf(),
                reason: "el respaldo no puede reemplazar la base de datos; elija otro archivo"
                    .into(),
            });
        }
        crate::backup::to_path(&self.conn, &self.path, target)?;
        if !self.read_only {
            self.change()?.commit(
                Action::Backup,
                None,
                None,
                json!({ "ruta": target.display().to_string() }),
            )?;
        }
        Ok(())
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// What the unit tests that simulate a full disk share.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use super::Store;
    use crate::open::OpenOptions;
    use crate::records::DraftId;

    /// A new database at `path` with one draft of a one-line episode.
    pub(crate) fn open_with_draft(path: &Path) -> (Store, DraftId) {
        let options = OpenOptions {
            actor: "prueba".into(),
            daily_backup: false,
            keep_backups: 7,
        };
        let (mut store, _) = Store::open(path, options).unwrap();
        let json = r#"{"id_atencion":"A-1","paciente":{"nombre":"Ana Pérez"}}"#;
        let episode = clinical::parse_episode(json.as_bytes()).unwrap();
        let draft = store.create_draft(json, &episode).unwrap();
        (store, draft)
    }

    /// The disk "fills" `extra` pages from now (`max_page_count`).
    pub(crate) fn limit_pages(store: &Store, extra: i64) {
        let pages: i64 = store
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        store
            .conn
            .pragma_update(None, "max_page_count", pages + extra)
            .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Origin;
    use crate::versions::NewVersion;

    /// A full disk, simulated with `max_page_count`: the write that does
    /// not fit fails with a clear error and what was committed stays.
    #[test]
    fn a_full_disk_loses_nothing_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lleno.sqlite3");
        let (mut store, draft) = testing::open_with_draft(&path);
        testing::limit_pages(&store, 40);

        let chunk = "Evolución favorable, afebril, tolera régimen. ".repeat(200);
        let mut committed = 0;
        let error = loop {
            let version = NewVersion {
                text: chunk.clone(),
                ..NewVersion::default()
            };
            match store.add_version(draft, Origin::Edicion, version) {
                Ok(_) => committed += 1,
                Err(error) => break error,
            }
            assert!(committed < 1000, "the page limit never bit");
        };
        assert!(matches!(error, Error::DiskFull { .. }), "{error:?}");
        assert!(error.to_string().contains("el disco está lleno"));
        assert!(committed > 0);
        assert_eq!(store.versions(draft).unwrap().len(), committed);
        let ok: String = store
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        // Space freed (here: the limit lifted), saving works again.
        store
            .conn
            .pragma_update(None, "max_page_count", 1_000_000)
            .unwrap();
        store
            .add_version(draft, Origin::Edicion, NewVersion::default())
            .unwrap();
    }
}
