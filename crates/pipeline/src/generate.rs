//! The model step: episode → prompt within the context → engine → finished,
//! checked text; and the same streamed into a draft's new version.

use std::sync::Mutex;

use clinical::Episode;
use serde::Serialize;

use crate::{check_text, Checked, Error};

/// Which prompt profile to use with a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileChoice {
    /// `finetuned` for models whose name says they were tuned on epicrisis
    /// ("epicrisis" in `general.name` or the file name), else `instruct`.
    #[default]
    Auto,
    Fixed(clinical::Profile),
}

/// A model's epicrisis, finished and checked, with how it was made.
#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    pub checked: Checked,
    /// The model's text as streamed, before the patient line and controls.
    pub raw: String,
    pub profile: clinical::Profile,
    pub reason: engine::FinishReason,
    pub stats: engine::Stats,
    pub neutralised: Vec<clinical::Neutralised>,
    pub shortening: Option<clinical::Shortening>,
}

impl Generated {
    /// What the store keeps as the version's timings: why it ended and the
    /// engine's figures.
    pub fn timings(&self) -> serde_json::Value {
        serde_json::json!({ "fin": self.reason, "estadisticas": self.stats })
    }
}

/// Picks the profile for the loaded model.
pub fn profile_for(info: &engine::LoadedInfo, choice: ProfileChoice) -> clinical::Profile {
    match choice {
        ProfileChoice::Fixed(p) => p,
        ProfileChoice::Auto => {
            let name = info.facts.name.clone().unwrap_or_default() + &info.facts.file_name;
            if name.to_lowercase().contains("epicrisis") {
                clinical::Profile::Finetuned
            } else {
                clinical::Profile::Instruct
            }
        }
    }
}

/// The engine's sampling for a profile, from the clinician's settings; the
/// parameters the settings do not hold keep the engine's defaults.
pub fn sampling_for(settings: &store::Settings, profile: clinical::Profile) -> engine::Sampling {
    let chosen = match profile {
        clinical::Profile::Finetuned => settings.sampling_finetuned,
        clinical::Profile::Instruct => settings.sampling_instruct,
    };
    engine::Sampling {
        temperature: chosen.temperature,
        top_p: chosen.top_p,
        repeat_penalty: chosen.repeat_penalty,
        max_new_tokens: chosen.max_tokens as usize,
        lookup: if settings.prompt_lookup {
            engine::sampler::DEFAULT_LOOKUP
        } else {
            0
        },
        ..engine::Sampling::default()
    }
}

/// Episode → prompt → engine → finish → verify. `on_delta` receives the
/// model's text as it is generated; setting `cancel` stops the generation
/// at the next token or prefill chunk (the text so far is returned, reason
/// `Cancelled`).
pub fn generate(
    engine: &engine::Engine,
    episode: &Episode,
    profile: ProfileChoice,
    sampling: &engine::Sampling,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<Generated, Error> {
    let profile = profile_for(engine.info(), profile);
    let budget = clinical::Budget {
        context_tokens: engine.info().context,
        reserve_tokens: sampling.max_new_tokens,
    };
    let prompt = clinical::build_prompt(episode, profile, budget, &|t| engine.count_tokens(t))?;
    let messages = prompt
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                clinical::Role::System => "system",
                clinical::Role::User => "user",
                clinical::Role::Assistant => "assistant",
            };
            engine::ChatMessage::new(role, &m.content)
        })
        .collect();
    let generation = engine.generate_with_cancel(
        engine::Request {
            prompt: engine::Prompt::Chat(messages),
            sampling: sampling.clone(),
        },
        cancel.clone(),
    )?;
    let mut raw = String::new();
    for event in generation.events.iter() {
        match event {
            engine::Event::Started { .. } => {}
            engine::Event::Token { text_delta, .. } => {
                on_delta(&text_delta);
                raw.push_str(&text_delta);
            }
            engine::Event::Finished { reason, stats } => {
                let text = clinical::finish(episode, &raw);
                return Ok(Generated {
                    checked: check_text(episode, &text),
                    raw,
                    profile,
                    reason,
                    stats,
                    neutralised: prompt.neutralised,
                    shortening: prompt.shortening,
                });
            }
            engine::Event::Failed { error } => return Err(Error::Engine(error)),
        }
    }
    Err(Error::Engine(engine::Error::WorkerGone))
}

/// A generation kept as a draft's new version.
#[derive(Debug, Clone, Serialize)]
pub struct GeneratedVersion {
    pub generated: Generated,
    pub version: store::Version,
}

/// [`generate`] streamed into a new version of `draft`: the text so far is
/// saved every second (a crash loses at most that), and the finished text,
/// its findings and timings complete the version. A failed generation keeps
/// what was streamed, marked with the error, before the error is returned.
///
/// The store is locked only for each write, so the caller's other commands
/// (listing drafts, reading settings) are not held up by a generation.
#[allow(clippy::too_many_arguments)]
pub fn generate_version(
    engine: &engine::Engine,
    store: &Mutex<store::Store>,
    draft: store::DraftId,
    episode: &Episode,
    profile: ProfileChoice,
    sampling: &engine::Sampling,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<GeneratedVersion, Error> {
    let info = engine.info();
    let profile = profile_for(info, profile);
    let provenance = store::Provenance {
        model_file: Some(info.facts.file_name.clone()),
        model_sha256: engine.model_sha256(),
        sampling: serde_json::to_value(sampling).ok(),
        seed: Some(sampling.seed),
        profile: Some(profile.as_str().to_string()),
    };
    let mut streaming = lock_store(store).begin_generation(draft, provenance)?;
    let mut raw = String::new();
    let mut save_error = None;
    let outcome = generate(
        engine,
        episode,
        ProfileChoice::Fixed(profile),
        sampling,
        cancel,
        &mut |delta| {
            on_delta(delta);
            raw.push_str(delta);
            if save_error.is_none() {
                if let Err(e) = lock_store(store).save_partial(&mut streaming, &raw) {
                    // Stop rather than stream text that cannot be kept.
                    save_error = Some(Error::from(e));
                    cancel.cancel();
                }
            }
        },
    );
    if let Some(error) = save_error {
        return Err(error);
    }
    match outcome {
        Ok(generated) => {
            let version = lock_store(store).finish_generation(
                streaming,
                &generated.checked.text,
                Some(generated.timings()),
                generated.checked.findings_json(),
            )?;
            Ok(GeneratedVersion { generated, version })
        }
        Err(error) => {
            let partial = check_text(episode, &clinical::finish(episode, &raw));
            let timings =
                serde_json::json!({ "error": error.kind(), "mensaje": error.to_string() });
            lock_store(store).finish_generation(
                streaming,
                &partial.text,
                Some(timings),
                partial.findings_json(),
            )?;
            Err(error)
        }
    }
}

/// The store shared by a generation and its caller, locked. A panic while
/// holding the lock cannot leave SQLite half-written (each write is one
/// transaction), so a poisoned store is still usable.
pub fn lock_store(store: &Mutex<store::Store>) -> std::sync::MutexGuard<'_, store::Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_setting_reaches_the_engine() {
        let mut settings = store::Settings::default();
        let on = sampling_for(&settings, clinical::Profile::Finetuned);
        assert_eq!(on.lookup, engine::sampler::DEFAULT_LOOKUP);
        assert_eq!(on.max_new_tokens, 400);
        settings.prompt_lookup = false;
        assert_eq!(
            sampling_for(&settings, clinical::Profile::Instruct).lookup,
            0
        );
    }
}
