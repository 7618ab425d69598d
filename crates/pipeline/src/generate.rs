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
    /// This profile, whatever the model's name says.
    Fixed(clinical::Profile),
}

/// A model's epicrisis, finished and checked, with how it was made.
#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    /// The finished text (patient line and controls added) and its check.
    pub checked: Checked,
    /// The model's text as streamed, before the patient line and controls.
    pub raw: String,
    /// The prompt profile the plan chose.
    pub profile: clinical::Profile,
    /// Why the model stopped (end of text, token limit, Stop).
    pub reason: engine::FinishReason,
    /// Tokens, speeds and the prompt-lookup figures.
    pub stats: engine::Stats,
    /// What the episode contained that looked like template tokens or
    /// instructions, made harmless.
    pub neutralised: Vec<clinical::Neutralised>,
    /// How the course notes were shortened to fit the context, if they were.
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

/// Where a generation's sampling comes from.
#[derive(Debug, Clone)]
pub enum SamplingSource {
    /// The clinician's settings for the profile in use, with this seed:
    /// the window's choice (a new seed each time, so "Regenerar" gives
    /// another text).
    Settings {
        /// The sampler's seed.
        seed: u64,
    },
    /// Exactly these parameters: the command line's flags.
    Given(engine::Sampling),
}

/// What a generation is made with, decided once before it starts: the
/// prompt profile and the sampling. Everything downstream (the prompt, the
/// engine, the version's provenance) reads it from here.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Which prompt the model gets.
    pub profile: clinical::Profile,
    /// How the model's tokens are drawn, seed included.
    pub sampling: engine::Sampling,
}

impl Plan {
    /// The plan for the loaded model; `settings` are read only for
    /// [`SamplingSource::Settings`].
    pub fn new(
        info: &engine::LoadedInfo,
        profile: ProfileChoice,
        sampling: SamplingSource,
        settings: &store::Settings,
    ) -> Plan {
        let profile = profile_for(info, profile);
        let sampling = match sampling {
            SamplingSource::Settings { seed } => engine::Sampling {
                seed,
                ..sampling_for(settings, profile)
            },
            SamplingSource::Given(sampling) => sampling,
        };
        Plan { profile, sampling }
    }

    /// The plan with the given sampling, where there are no settings (the
    /// command line without a database).
    pub fn given(
        info: &engine::LoadedInfo,
        profile: ProfileChoice,
        sampling: engine::Sampling,
    ) -> Plan {
        Plan {
            profile: profile_for(info, profile),
            sampling,
        }
    }
}

/// Episode → prompt → engine → finish → verify. `on_delta` receives the
/// model's text as it is generated; setting `cancel` stops the generation
/// at the next token or prefill chunk (the text so far is returned, reason
/// `Cancelled`).
pub fn generate(
    engine: &engine::Engine,
    episode: &Episode,
    plan: &Plan,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<Generated, Error> {
    let Plan { profile, sampling } = plan;
    let profile = *profile;
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
                clinical::Role::System => engine::Role::System,
                clinical::Role::User => engine::Role::User,
                clinical::Role::Assistant => engine::Role::Assistant,
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
    /// The model's epicrisis and how it was made.
    pub generated: Generated,
    /// The version that keeps it, as stored.
    pub version: store::Version,
}

/// [`generate`] streamed into a new version of `draft`: the text so far is
/// saved every second (a crash loses at most that), and the finished text,
/// its findings and timings complete the version. A failed generation, or
/// one whose text could not be saved, keeps what was streamed, marked with
/// the error, before the error is returned: no version is left `en_curso`.
///
/// The store is locked only for each write, so the caller's other commands
/// (listing drafts, reading settings) are not held up by a generation.
pub fn generate_version(
    engine: &engine::Engine,
    store: &Mutex<store::Store>,
    draft: store::DraftId,
    episode: &Episode,
    plan: &Plan,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<GeneratedVersion, Error> {
    let info = engine.info();
    let provenance = store::Provenance {
        model_file: Some(info.facts.file_name.clone()),
        model_sha256: engine.model_sha256(),
        sampling: serde_json::to_value(&plan.sampling).ok(),
        seed: Some(plan.sampling.seed),
        profile: Some(plan.profile.as_str().to_string()),
    };
    let mut streaming = lock_store(store).begin_generation(draft, provenance)?;
    let mut raw = String::new();
    let mut save_error = None;
    let outcome = generate(engine, episode, plan, cancel, &mut |delta| {
        on_delta(delta);
        raw.push_str(delta);
        if save_error.is_none() {
            if let Err(e) = lock_store(store).save_partial(&mut streaming, &raw) {
                // Stop rather than stream text that cannot be kept.
                save_error = Some(Error::from(e));
                cancel.cancel();
            }
        }
    });
    let error = match (save_error, outcome) {
        (None, Ok(generated)) => {
            let version = lock_store(store).finish_generation(
                streaming,
                &generated.checked.text,
                Some(generated.timings()),
                generated.checked.findings.clone(),
            )?;
            return Ok(GeneratedVersion { generated, version });
        }
        (Some(error), _) | (None, Err(error)) => error,
    };
    let partial = check_text(episode, &clinical::finish(episode, &raw));
    let timings = serde_json::json!({ "error": error.kind(), "mensaje": error.to_string() });
    // When even this write fails, the store leaves what the last autosave
    // kept as an interrupted generation, offered for resume or discard.
    if let Err(failed) = lock_store(store).finish_generation(
        streaming,
        &partial.text,
        Some(timings),
        partial.findings,
    ) {
        log::warn!(
            "a failed generation could not be completed: {}",
            failed.kind()
        );
    }
    Err(error)
}

/// What [`generate_draft`] writes, and where.
#[derive(Debug, Clone)]
pub struct DraftRequest<'a> {
    /// The episode to write about (refused when it has errors).
    pub loaded: &'a crate::LoadedEpisode,
    /// The draft open in the window; the text goes into it while it holds
    /// the same episode and is not final, else into a new draft.
    pub current: Option<store::DraftId>,
    /// The prompt profile, or how to choose it.
    pub profile: ProfileChoice,
    /// Where the sampling comes from.
    pub sampling: SamplingSource,
}

/// The clinician's "Generar", for the window and the command line alike:
/// refuses an episode with errors, chooses the draft, the profile and the
/// sampling (once, from the settings when asked), and streams the model's
/// text into a new version of the draft ([`generate_version`]).
pub fn generate_draft(
    engine: &engine::Engine,
    store: &Mutex<store::Store>,
    request: DraftRequest<'_>,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<GeneratedVersion, Error> {
    let loaded = request.loaded;
    loaded.require_valid()?;
    let (draft, plan) = {
        let mut guard = lock_store(store);
        let draft = crate::draft_for_episode(&mut guard, loaded, request.current)?;
        let settings = match request.sampling {
            SamplingSource::Settings { .. } => guard.settings()?,
            SamplingSource::Given(_) => store::Settings::default(),
        };
        let plan = Plan::new(engine.info(), request.profile, request.sampling, &settings);
        (draft, plan)
    };
    generate_version(
        engine,
        store,
        draft,
        &loaded.episode,
        &plan,
        cancel,
        on_delta,
    )
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
