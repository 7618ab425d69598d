//! Settings rows: one key/value row per field, the value as JSON. The
//! settings' type lives with the crates that use its fields
//! (`pipeline::Settings`: the engine's device, export's paper, the sampling
//! per prompt profile); the store keeps rows, so a newer app's keys survive
//! an older app's save, and reads back any type that deserialises from
//! them.

use rusqlite::params;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::store::Store;

/// The one setting the store reads itself: erase deleted drafts this many
/// days after their deletion (`null` or absent: never).
pub const PURGE_AFTER_DAYS: &str = "purge_after_days";

impl Store {
    /// The settings as saved now, read as `T`; a field never saved takes
    /// `T`'s default (`#[serde(default)]`), and a stored value `T` refuses
    /// is an error naming its key.
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T> {
        let map = self.setting_rows()?;
        serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| Error::Setting {
            key: e.path().to_string(),
            reason: e.inner().to_string(),
        })
    }

    /// Saves the fields `settings` serialises to, keeping every other row;
    /// audited with the keys that changed (nothing is written when none
    /// did).
    pub fn save_settings<T: Serialize>(&mut self, settings: &T) -> Result<()> {
        let Value::Object(new) = serde_json::to_value(settings).map_err(|e| Error::Setting {
            key: String::new(),
            reason: e.to_string(),
        })?
        else {
            return Err(Error::Setting {
                key: String::new(),
                reason: "los ajustes deben ser un objeto".into(),
            });
        };
        let old = self.setting_rows()?;
        let changed: Vec<&String> = new.keys().filter(|k| old.get(*k) != new.get(*k)).collect();
        if changed.is_empty() {
            return Ok(());
        }
        let change = self.change()?;
        change.sql(|tx| {
            for key in &changed {
                let value = new.get(*key).unwrap_or(&Value::Null);
                tx.prepare_cached(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                )?
                .execute(params![key, value.to_string()])?;
            }
            Ok(())
        })?;
        change.commit(
            Action::SettingsChanged,
            None,
            None,
            serde_json::json!({ "claves": changed }),
        )
    }

    /// The value saved under `key`, if one was (and is not `null`).
    pub(crate) fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.setting_rows()?.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| Error::Setting {
                    key: key.to_string(),
                    reason: e.to_string(),
                }),
        }
    }

    fn setting_rows(&self) -> Result<Map<String, Value>> {
        let rows = self.text_pairs("SELECT key, value FROM settings")?;
        let mut map = Map::new();
        for (key, value) in rows {
            let value = serde_json::from_str(&value).map_err(|e| Error::Setting {
                key: key.clone(),
                reason: e.to_string(),
            })?;
            map.insert(key, value);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Old {
        institution: String,
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct New {
        institution: String,
        threads: Option<u32>,
    }

    #[test]
    fn a_newer_apps_keys_survive_an_older_apps_save_and_only_changes_are_audited() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) =
            Store::open(&dir.path().join("e.sqlite3"), crate::OpenOptions::default()).unwrap();
        assert_eq!(store.settings::<New>().unwrap(), New::default());
        let new = New {
            institution: "Hospital Base Valdivia".into(),
            threads: Some(2),
        };
        store.save_settings(&new).unwrap();
        store
            .save_settings(&Old {
                institution: "Hospital Regional".into(),
            })
            .unwrap();
        assert_eq!(
            store.settings::<New>().unwrap(),
            New {
                institution: "Hospital Regional".into(),
                threads: Some(2),
            }
        );
        // Saving what is saved writes nothing.
        let before = store.audit_trail(None).unwrap().len();
        store
            .save_settings(&store.settings::<New>().unwrap())
            .unwrap();
        let trail = store.audit_trail(None).unwrap();
        assert_eq!(trail.len(), before);
        assert_eq!(
            trail.last().unwrap().detail["claves"],
            serde_json::json!(["institution"])
        );
    }

    #[test]
    fn the_purge_setting_is_read_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) =
            Store::open(&dir.path().join("e.sqlite3"), crate::OpenOptions::default()).unwrap();
        assert_eq!(store.setting::<u32>(PURGE_AFTER_DAYS).unwrap(), None);
        store
            .save_settings(&serde_json::json!({ PURGE_AFTER_DAYS: 30 }))
            .unwrap();
        assert_eq!(store.setting::<u32>(PURGE_AFTER_DAYS).unwrap(), Some(30));
        store
            .save_settings(&serde_json::json!({ PURGE_AFTER_DAYS: "nunca" }))
            .unwrap();
        let error = store.setting::<u32>(PURGE_AFTER_DAYS).unwrap_err();
        assert_eq!(error.kind(), "ajuste_invalido");
        assert!(error.to_string().contains(PURGE_AFTER_DAYS), "{error}");
    }
}
