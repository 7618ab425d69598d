//! Settings: typed here, stored as one key/value row per field (JSON
//! values), so a newer app's keys survive an older app's save.

use std::path::PathBuf;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::store::Store;

/// The page size of exported documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, the default.
    #[default]
    A4,
    /// US Letter, which some Chilean hospitals' printers hold.
    Carta,
}

/// What the clinician chose in the first-run welcome; while unset, the
/// welcome shows at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartChoice {
    /// Choose a model file now.
    Model,
    /// Work without a model: the deterministic draft.
    Deterministic,
}

/// The clinician's settings, kept as one row per field so that a newer
/// field's default fills in for a database written before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The page size of exported documents.
    pub paper: Paper,
    /// The institution's name for the document header.
    pub institution: String,
    /// The service (e.g. "Medicina Interna") for the header.
    pub service: String,
    /// An image for the header, PNG or JPEG.
    pub logo_path: Option<PathBuf>,
    /// Erase drafts this many days after they were deleted; never if unset.
    pub purge_after_days: Option<u32>,
    /// The model file the app loads at start.
    pub model_path: Option<PathBuf>,
    /// Sampling for models tuned on epicrisis (prompt profile `finetuned`).
    pub sampling_finetuned: SamplingSettings,
    /// Sampling for general instruct models (prompt profile `instruct`):
    /// cooler and more penalised, as they wander more.
    pub sampling_instruct: SamplingSettings,
    /// `cpu`, `cuda` or `metal`; the engine falls back to the CPU, saying
    /// why, when the one chosen is missing.
    pub device: String,
    /// Compute threads; all cores when unset.
    pub threads: Option<u32>,
    /// Tokens of context to allocate; the engine's default when unset.
    pub context: Option<u32>,
    /// Prompt-lookup decoding: draft the tokens an epicrisis copies from its
    /// episode and have the model confirm them in one pass. The same text,
    /// sooner; off only to measure the difference.
    pub prompt_lookup: bool,
    /// The first-run choice, once made.
    pub start_choice: Option<StartChoice>,
}

/// The sampling a clinician may tune per prompt profile; the rest of the
/// engine's parameters keep their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SamplingSettings {
    /// Softmax temperature; 0 is greedy.
    pub temperature: f32,
    /// Nucleus sampling's probability mass.
    pub top_p: f32,
    /// Penalty on tokens already generated (1 is none).
    pub repeat_penalty: f32,
    /// The longest epicrisis the model may write, in tokens.
    pub max_tokens: u32,
}

impl SamplingSettings {
    /// For models tuned on epicrisis: they know the form, so a little
    /// more freedom and a shorter text.
    pub const FINETUNED: SamplingSettings = SamplingSettings {
        temperature: 0.3,
        top_p: 0.9,
        repeat_penalty: 1.1,
        max_tokens: 400,
    };
    /// For general instruction models: closer to the episode's words.
    pub const INSTRUCT: SamplingSettings = SamplingSettings {
        temperature: 0.2,
        top_p: 0.85,
        repeat_penalty: 1.15,
        max_tokens: 600,
    };
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            paper: Paper::A4,
            institution: String::new(),
            service: String::new(),
            logo_path: None,
            purge_after_days: None,
            model_path: None,
            sampling_finetuned: SamplingSettings::FINETUNED,
            sampling_instruct: SamplingSettings::INSTRUCT,
            device: "cpu".into(),
            threads: None,
            context: None,
            prompt_lookup: true,
            start_choice: None,
        }
    }
}

impl Store {
    /// The settings as saved now; a field never saved has its default.
    pub fn settings(&self) -> Result<Settings> {
        let rows = self.text_pairs("SELECT key, value FROM settings")?;
        let mut map = Map::new();
        for (key, value) in rows {
            let value = serde_json::from_str(&value).map_err(|e| Error::Setting {
                key: key.clone(),
                reason: e.to_string(),
            })?;
            map.insert(key, value);
        }
        serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| Error::Setting {
            key: e.path().to_string(),
            reason: e.inner().to_string(),
        })
    }

    /// Changes some fields of the settings as saved now, keeping the rest
    /// (which another command may have saved meanwhile).
    pub fn update_settings(&mut self, change: impl FnOnce(&mut Settings)) -> Result<()> {
        let mut settings = self.settings()?;
        change(&mut settings);
        self.save_settings(&settings)
    }

    /// Saves every field; audited with the keys that changed.
    pub fn save_settings(&mut self, settings: &Settings) -> Result<()> {
        let before = self.settings().unwrap_or_default();
        let Value::Object(new) = serde_json::to_value(settings).map_err(|e| Error::Setting {
            key: String::new(),
            reason: e.to_string(),
        })?
        else {
            return Ok(());
        };
        let old = serde_json::to_value(&before).unwrap_or(Value::Null);
        let changed: Vec<&String> = new.keys().filter(|k| old.get(k) != new.get(*k)).collect();
        if changed.is_empty() {
            return Ok(());
        }
        let change = self.change()?;
        change.sql(|tx| {
            for (key, value) in &new {
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
}
