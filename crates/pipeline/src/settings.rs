//! The clinician's settings, typed with the types of the crates that use
//! them (the engine's device, export's paper) and turned here into what
//! those crates take: the engine's load options and sampling per prompt
//! profile, the document's options. The store keeps them as rows, one per
//! field, so a setting means the same in the window and on the command
//! line, and a newer app's fields survive an older app's save.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Error;

/// What the clinician chose in the first-run welcome; while unset, the
/// welcome shows at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum StartChoice {
    /// Choose a model file now.
    Model,
    /// Work without a model: the deterministic draft.
    Deterministic,
}

/// The clinician's settings. A field never saved (a database written
/// before it existed) takes its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    /// The page size of exported documents.
    pub paper: export::Paper,
    /// The institution's name for the document header.
    pub institution: String,
    /// The service (e.g. "Medicina Interna") for the header.
    pub service: String,
    /// An image for the header, PNG or JPEG.
    pub logo_path: Option<PathBuf>,
    /// Erase drafts this many days after they were deleted; never if unset.
    /// The store reads this one itself, by its key
    /// ([`store::PURGE_AFTER_DAYS`]).
    pub purge_after_days: Option<u32>,
    /// The model file the app loads at start.
    pub model_path: Option<PathBuf>,
    /// Sampling for models tuned on epicrisis (prompt profile `finetuned`).
    pub sampling_finetuned: SamplingSettings,
    /// Sampling for general instruct models (prompt profile `instruct`):
    /// cooler and more penalised, as they wander more.
    pub sampling_instruct: SamplingSettings,
    /// Where the model runs; the engine falls back to the CPU, saying why,
    /// when the one chosen is missing.
    pub device: engine::DeviceChoice,
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
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
            paper: export::Paper::A4,
            institution: String::new(),
            service: String::new(),
            logo_path: None,
            purge_after_days: None,
            model_path: None,
            sampling_finetuned: SamplingSettings::FINETUNED,
            sampling_instruct: SamplingSettings::INSTRUCT,
            device: engine::DeviceChoice::Cpu,
            threads: None,
            context: None,
            prompt_lookup: true,
            start_choice: None,
        }
    }
}

impl Settings {
    /// The settings as saved now.
    pub fn load(store: &store::Store) -> Result<Settings, Error> {
        Ok(store.settings()?)
    }

    /// Saves every field after checking what the engine would refuse
    /// later, so a bad value is reported when it is typed rather than at
    /// the next load or generation.
    pub fn save(&self, store: &mut store::Store) -> Result<(), Error> {
        self.validate()?;
        Ok(store.save_settings(self)?)
    }

    /// Changes some fields of the settings as saved now, keeping the rest
    /// (which another command may have saved meanwhile).
    pub fn update(
        store: &mut store::Store,
        change: impl FnOnce(&mut Settings),
    ) -> Result<(), Error> {
        let mut settings = Settings::load(store)?;
        change(&mut settings);
        settings.save(store)
    }

    /// What the engine would refuse: sampling out of range, zero threads
    /// or context.
    pub fn validate(&self) -> Result<(), Error> {
        for (name, profile) in [
            ("ajustado", clinical::Profile::Finetuned),
            ("instrucciones", clinical::Profile::Instruct),
        ] {
            self.sampling(profile)
                .validate()
                .map_err(|e| Error::Setting(format!("Muestreo del perfil {name}: {e}")))?;
        }
        if self.threads == Some(0) || self.context == Some(0) {
            return Err(Error::Setting(
                "Los hilos y el contexto deben ser al menos 1, o quedar en automático.".into(),
            ));
        }
        Ok(())
    }

    /// The engine's sampling for a profile; the parameters the settings do
    /// not hold keep the engine's defaults.
    pub fn sampling(&self, profile: clinical::Profile) -> engine::Sampling {
        let chosen = match profile {
            clinical::Profile::Finetuned => self.sampling_finetuned,
            clinical::Profile::Instruct => self.sampling_instruct,
        };
        engine::Sampling {
            temperature: chosen.temperature,
            top_p: chosen.top_p,
            repeat_penalty: chosen.repeat_penalty,
            max_new_tokens: chosen.max_tokens as usize,
            lookup: if self.prompt_lookup {
                engine::sampler::DEFAULT_LOOKUP
            } else {
                0
            },
            ..engine::Sampling::default()
        }
    }

    /// How the engine loads `model`: the device, threads and context
    /// chosen here; the tokenizer beside the model or inside it.
    pub fn load_options(&self, model: PathBuf) -> engine::LoadOptions {
        engine::LoadOptions {
            model,
            tokenizer: None,
            context: self.context.map(|c| c as usize),
            device: self.device,
            threads: self.threads.map(|t| t as usize),
        }
    }

    /// The document options; a final draft loses the BORRADOR watermark.
    pub fn export_options(&self, status: store::Status) -> export::Options {
        export::Options {
            paper: self.paper,
            letterhead: export::Letterhead {
                institution: self.institution.clone(),
                service: self.service.clone(),
                logo: self.logo_path.clone(),
            },
            is_final: status == store::Status::Final,
            ..export::Options::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fresh() -> (tempfile::TempDir, PathBuf, store::Store) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("epicrisis.sqlite3");
        let (store, _) = store::Store::open(&path, store::OpenOptions::default()).unwrap();
        (dir, path, store)
    }

    #[test]
    fn settings_round_trip_and_a_bad_value_names_its_key() {
        let (_dir, path, mut store) = fresh();
        assert_eq!(Settings::load(&store).unwrap(), Settings::default());
        let settings = Settings {
            paper: export::Paper::Carta,
            institution: "Hospital Base Valdivia".into(),
            service: "Medicina Interna".into(),
            logo_path: Some("/opt/logo.png".into()),
            purge_after_days: Some(90),
            sampling_instruct: SamplingSettings {
                temperature: 0.1,
                ..SamplingSettings::INSTRUCT
            },
            device: engine::DeviceChoice::Cuda,
            threads: Some(2),
            start_choice: Some(StartChoice::Deterministic),
            ..Settings::default()
        };
        settings.save(&mut store).unwrap();
        assert_eq!(Settings::load(&store).unwrap(), settings);

        write_raw_setting(&path, "paper", "\"A5\"");
        let error = Settings::load(&store).unwrap_err();
        assert_eq!(error.kind(), "ajuste_invalido");
        assert!(error.to_string().contains("«paper»"), "{error}");
    }

    /// Stores a value this type refuses, as a damaged file or another
    /// program would have: the row alone, through a second connection.
    fn write_raw_setting(path: &std::path::Path, key: &str, json: &str) {
        let (mut other, _) = store::Store::open(path, store::OpenOptions::default()).unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        other
            .save_settings(&serde_json::json!({ key: value }))
            .unwrap();
    }

    #[test]
    fn an_unknown_device_in_the_database_is_an_error_not_the_cpu() {
        let (_dir, path, store) = fresh();
        write_raw_setting(&path, "device", "\"tpu\"");
        let error = Settings::load(&store).unwrap_err();
        assert!(error.to_string().contains("«device»"), "{error}");
    }

    #[test]
    fn the_words_stored_are_the_ones_older_builds_wrote() {
        let value = serde_json::to_value(Settings {
            paper: export::Paper::Carta,
            device: engine::DeviceChoice::Metal,
            start_choice: Some(StartChoice::Model),
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(value["paper"], "carta");
        assert_eq!(value["device"], "metal");
        assert_eq!(value["start_choice"], "model");
        // The store purges by this key, without knowing this type.
        assert!(value.get(store::PURGE_AFTER_DAYS).is_some());
    }

    #[test]
    fn values_the_engine_would_refuse_are_refused_when_saved() {
        let (_dir, _path, mut store) = fresh();
        let hot = Settings {
            sampling_finetuned: SamplingSettings {
                top_p: 1.5,
                ..SamplingSettings::FINETUNED
            },
            ..Settings::default()
        };
        let error = hot.save(&mut store).unwrap_err();
        assert_eq!(error.kind(), "parametro_invalido");
        assert!(error.to_string().contains("perfil ajustado"), "{error}");
        let zero = Settings {
            threads: Some(0),
            ..Settings::default()
        };
        assert_eq!(
            zero.save(&mut store).unwrap_err().kind(),
            "parametro_invalido"
        );
        assert_eq!(Settings::load(&store).unwrap(), Settings::default());
    }

    #[test]
    fn each_profile_samples_with_its_own_settings_and_lookup_follows_the_switch() {
        let settings = Settings {
            prompt_lookup: false,
            ..Settings::default()
        };
        let instruct = settings.sampling(clinical::Profile::Instruct);
        assert_eq!(instruct.temperature, SamplingSettings::INSTRUCT.temperature);
        assert_eq!(instruct.max_new_tokens, 600);
        assert_eq!(instruct.lookup, 0);
        let finetuned = Settings::default().sampling(clinical::Profile::Finetuned);
        assert_eq!(finetuned.max_new_tokens, 400);
        assert_eq!(finetuned.lookup, engine::sampler::DEFAULT_LOOKUP);
    }
}
