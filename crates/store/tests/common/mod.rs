//! Shared by the store's integration tests: fresh databases and the
//! episodes in `tests/data` (the project's examples plus the store's own).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use store::{OpenOptions, Store};

pub fn options() -> OpenOptions {
    OpenOptions {
        actor: "dra.prueba".into(),
        daily_backup: false,
        keep_backups: 7,
    }
}

pub fn open(path: &Path) -> Store {
    Store::open(path, options()).unwrap().0
}

pub fn fresh() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("epicrisis.sqlite3");
    let store = open(&path);
    (dir, path, store)
}

fn episode_path(name: &str) -> PathBuf {
    let own = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    if own.exists() {
        return own;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/episodes")
        .join(name)
}

/// The JSON as given and the parsed, normalised episode.
pub fn episode(name: &str) -> (String, clinical::Episode) {
    let json = std::fs::read_to_string(episode_path(name)).unwrap();
    let episode = clinical::normalize(clinical::parse_episode(json.as_bytes()).unwrap());
    (json, episode)
}

pub fn text(s: &str) -> store::NewVersion {
    store::NewVersion {
        text: s.to_string(),
        ..Default::default()
    }
}
