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

/// `--profile`'s words: `auto`, or a profile's own name.
impl kinds::Word for ProfileChoice {
    const ALL: &'static [ProfileChoice] = &[
        ProfileChoice::Auto,
        ProfileChoice::Fixed(clinical::Profile::Finetuned),
        ProfileChoice::Fixed(clinical::Profile::Instruct),
    ];
    fn word(self) -> &'static str {
        match self {
            ProfileChoice::Auto => "auto",
            ProfileChoice::Fixed(profile) => profile.as_str(),
        }
    }
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
    /// The template the text follows.
    pub template: String,
    /// The section rewritten, when only one was.
    pub section: Option<clinical::Section>,
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
    /// What the version keeps as its timings: why it ended and the
    /// engine's figures.
    pub fn timings(&self) -> Timings {
        Timings::Finished {
            fin: self.reason,
            estadisticas: self.stats.clone(),
        }
    }
}

/// What a model's version keeps as its timings (a JSON column of the
/// store; the words are the ones the window reads).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum Timings {
    /// The generation ended (or was stopped): why, and the engine's figures.
    Finished {
        /// Why it ended.
        fin: engine::FinishReason,
        /// Tokens, speeds and the prompt-lookup figures.
        estadisticas: engine::Stats,
    },
    /// It failed, or its text could not be saved; the text so far was kept.
    Failed {
        /// The error's kind.
        error: String,
        /// The error's message, in Spanish.
        mensaje: String,
    },
}

impl Timings {
    /// The JSON the store keeps.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// A version's stored timings, read back; `None` for none, or for a
    /// shape this build does not know.
    pub fn read(stored: Option<&serde_json::Value>) -> Option<Timings> {
        serde::Deserialize::deserialize(stored?).ok()
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

impl SamplingSource {
    /// The settings [`Plan::new`] reads for this source: the saved ones for
    /// the window's choice; for given flags none are read (the defaults).
    fn settings(&self, store: &store::Store) -> Result<crate::Settings, Error> {
        match self {
            SamplingSource::Settings { .. } => crate::Settings::load(store),
            SamplingSource::Given(_) => Ok(crate::Settings::default()),
        }
    }
}

/// What a generation is made with, decided once before it starts: the
/// template (and with it the prompt profile) and the sampling. Everything
/// downstream (the prompt, the engine, the version's provenance) reads it
/// from here.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// How the epicrisis reads, and which prompt the model gets.
    pub template: clinical::Template,
    /// How the model's tokens are drawn, seed included.
    pub sampling: engine::Sampling,
}

impl Plan {
    /// The plan for the loaded model. `template` is the one the clinician
    /// or the episode's service chose; without one, the built-in for the
    /// model. A fixed profile overrides the template's. `settings` are read
    /// only for [`SamplingSource::Settings`].
    pub fn new(
        info: &engine::LoadedInfo,
        profile: ProfileChoice,
        template: Option<clinical::Template>,
        sampling: SamplingSource,
        settings: &crate::Settings,
    ) -> Plan {
        let template = template_for(info, profile, template);
        let sampling = match sampling {
            SamplingSource::Settings { seed } => engine::Sampling {
                seed,
                ..settings.sampling(template.perfil)
            },
            SamplingSource::Given(sampling) => sampling,
        };
        Plan { template, sampling }
    }

    /// The plan with the given sampling, where there are no settings (the
    /// command line without a database).
    pub fn given(
        info: &engine::LoadedInfo,
        profile: ProfileChoice,
        template: Option<clinical::Template>,
        sampling: engine::Sampling,
    ) -> Plan {
        Plan {
            template: template_for(info, profile, template),
            sampling,
        }
    }

    /// The prompt profile, the template's.
    pub fn profile(&self) -> clinical::Profile {
        self.template.perfil
    }
}

fn template_for(
    info: &engine::LoadedInfo,
    profile: ProfileChoice,
    template: Option<clinical::Template>,
) -> clinical::Template {
    match (template, profile) {
        (Some(mut template), ProfileChoice::Fixed(profile)) => {
            template.perfil = profile;
            template
        }
        (Some(template), ProfileChoice::Auto) => template,
        (None, choice) => clinical::Template::builtin(profile_for(info, choice)),
    }
}

/// Which service template a text follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TemplateChoice {
    /// The one the episode's service uses, if a stored template serves it;
    /// else none (the built-in for the model, or every section for the
    /// deterministic draft).
    #[default]
    Service,
    /// A stored template, by id: the window's menu.
    Id(String),
    /// This template: the command line's `--template` file.
    Given(clinical::Template),
}

impl TemplateChoice {
    /// The window's menu: an id, or none for the service's.
    pub fn from_id(id: Option<String>) -> TemplateChoice {
        id.map_or(TemplateChoice::Service, TemplateChoice::Id)
    }
}

/// The template `choice` names for `episode`: a stored one by id (refused
/// when there is none), the one given, or the service's if one serves it.
pub fn chosen_template(
    store: &store::Store,
    episode: &Episode,
    choice: &TemplateChoice,
) -> Result<Option<clinical::Template>, Error> {
    Ok(match choice {
        TemplateChoice::Id(id) => Some(store.template(id)?),
        TemplateChoice::Given(template) => Some(template.clone()),
        TemplateChoice::Service => {
            store.template_for_service(episode.atencion.servicio.as_deref())?
        }
    })
}

/// What the model writes: the whole epicrisis, or one section of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// The whole epicrisis.
    Whole,
    /// One section of `current`, the rest kept as written.
    Section {
        /// The text as it stands (finished or not).
        current: String,
        /// The section to write again.
        section: clinical::Section,
        /// The clinician's instruction ("más breve"), if any.
        instruction: Option<String>,
    },
}

impl Task {
    /// The prompt for this task within the model's context.
    fn prompt(
        &self,
        engine: &engine::Engine,
        episode: &Episode,
        plan: &Plan,
    ) -> Result<clinical::Prompt, Error> {
        let budget = clinical::Budget {
            context_tokens: engine.info().context,
            reserve_tokens: plan.sampling.max_new_tokens,
        };
        let count = |t: &str| engine.count_tokens(t);
        Ok(match self {
            Task::Whole => clinical::build_prompt(episode, &plan.template, budget, &count)?,
            Task::Section {
                current,
                section,
                instruction,
            } => {
                let body =
                    clinical::unfinish_with(episode, &plan.template, current).unwrap_or(current);
                let request = clinical::SectionRequest {
                    current: body,
                    section: *section,
                    instruction: instruction.as_deref(),
                };
                clinical::build_section_prompt(episode, &plan.template, budget, &count, request)?
            }
        })
    }

    /// The whole text once the model has written `raw`: finished (patient
    /// line, controls, the template's fixed text) for a whole epicrisis;
    /// for a section, the current text with that section's body replaced
    /// and everything else as it was.
    fn compose(&self, episode: &Episode, template: &clinical::Template, raw: &str) -> String {
        match self {
            Task::Whole => clinical::finish_with(episode, template, raw),
            Task::Section {
                current, section, ..
            } => {
                let reply = clinical::sections::section_reply(raw, *section);
                match clinical::unfinish_with(episode, template, current) {
                    Some(body) => {
                        let body = clinical::sections::replace_section(body, *section, &reply)
                            .unwrap_or_else(|| body.to_string());
                        clinical::finish_with(episode, template, &body)
                    }
                    None => clinical::sections::replace_section(current, *section, &reply)
                        .unwrap_or_else(|| current.clone()),
                }
            }
        }
    }

    fn section(&self) -> Option<clinical::Section> {
        match self {
            Task::Whole => None,
            Task::Section { section, .. } => Some(*section),
        }
    }

    fn instruction(&self) -> Option<String> {
        match self {
            Task::Section {
                instruction: Some(i),
                ..
            } if !i.trim().is_empty() => Some(i.trim().to_string()),
            _ => None,
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
    task: &Task,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<Generated, Error> {
    let prompt = task.prompt(engine, episode, plan)?;
    let mut raw = String::new();
    run(
        engine,
        episode,
        plan,
        task,
        prompt,
        cancel,
        &mut raw,
        &mut |delta, _| on_delta(delta),
    )
}

/// The engine's part of [`generate`], for a prompt already built. The
/// model's text accumulates in `raw`, the caller's (so a failed generation
/// still has the text so far), and `on_delta` gets each delta with the
/// text so far: the streamed text is kept once in the pipeline, not once
/// per consumer.
#[allow(clippy::too_many_arguments)]
fn run(
    engine: &engine::Engine,
    episode: &Episode,
    plan: &Plan,
    task: &Task,
    prompt: clinical::Prompt,
    cancel: &engine::CancelToken,
    raw: &mut String,
    on_delta: &mut dyn FnMut(&str, &str),
) -> Result<Generated, Error> {
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
            sampling: plan.sampling.clone(),
        },
        cancel.clone(),
    )?;
    for event in generation.events.iter() {
        match event {
            engine::Event::Started { .. } => {}
            engine::Event::Token { text_delta, .. } => {
                raw.push_str(&text_delta);
                on_delta(&text_delta, raw);
            }
            engine::Event::Finished { reason, stats } => {
                let text = task.compose(episode, &plan.template, raw);
                return Ok(Generated {
                    checked: check_text(episode, &text),
                    raw: std::mem::take(raw),
                    profile: plan.profile(),
                    template: plan.template.id.clone(),
                    section: task.section(),
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

/// One writing by the model: what it writes, how, and into which draft.
struct Job<'a> {
    draft: store::DraftId,
    episode: &'a Episode,
    plan: &'a Plan,
    task: &'a Task,
}

/// A generation kept as a draft's new version.
#[derive(Debug, Clone, Serialize)]
pub struct GeneratedVersion {
    /// The model's epicrisis and how it was made.
    pub generated: Generated,
    /// The version that keeps it, as stored.
    pub version: store::Version,
}

/// [`generate`] streamed into a new version of the job's draft: the text so far is
/// saved every second (a crash loses at most that), and the finished text,
/// its findings and timings complete the version. A failed generation, or
/// one whose text could not be saved, keeps what was streamed, marked with
/// the error, before the error is returned: no version is left `en_curso`.
///
/// The store is locked only for each write, so the caller's other commands
/// (listing drafts, reading settings) are not held up by a generation.
fn generate_version(
    engine: &engine::Engine,
    store: &Mutex<store::Store>,
    job: Job<'_>,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<GeneratedVersion, Error> {
    let Job {
        draft,
        episode,
        plan,
        task,
    } = job;
    let info = engine.info();
    // The prompt first: how it was shortened is part of what the version
    // records from its first save.
    let prompt = task.prompt(engine, episode, plan)?;
    let provenance = store::Provenance {
        model_file: Some(info.facts.file_name.clone()),
        model_sha256: engine.model_sha256(),
        sampling: serde_json::to_value(&plan.sampling).ok(),
        seed: Some(plan.sampling.seed),
        profile: Some(plan.profile().as_str().to_string()),
        template: Some(plan.template.id.clone()),
        section: task.section().map(|s| s.key().to_string()),
        instruction: task.instruction(),
        shortening: prompt.shortening.clone(),
    };
    let mut streaming = lock_store(store).begin_generation(draft, provenance)?;
    let mut raw = String::new();
    let mut save_error = None;
    let on_text = &mut |delta: &str, so_far: &str| {
        on_delta(delta);
        // Composing the whole text (and taking the store's lock) is
        // per-autosave work, not per-token work.
        if save_error.is_none() && streaming.due() {
            let text = task.compose(episode, &plan.template, so_far);
            if let Err(e) = lock_store(store).save_partial(&mut streaming, &text) {
                // Stop rather than stream text that cannot be kept.
                save_error = Some(Error::from(e));
                cancel.cancel();
            }
        }
    };
    let outcome = run(
        engine, episode, plan, task, prompt, cancel, &mut raw, on_text,
    );
    let error = match (save_error, outcome) {
        (None, Ok(generated)) => {
            let version = lock_store(store).finish_generation(
                streaming,
                &generated.checked.text,
                Some(generated.timings().to_value()),
                generated.checked.findings.clone(),
            )?;
            return Ok(GeneratedVersion { generated, version });
        }
        (Some(error), _) | (None, Err(error)) => error,
    };
    let partial = check_text(episode, &task.compose(episode, &plan.template, &raw));
    let timings = Timings::Failed {
        error: error.kind().as_str().to_string(),
        mensaje: error.to_string(),
    }
    .to_value();
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
    /// The template; without one (the service's, when none serves it),
    /// the built-in for the model.
    pub template: TemplateChoice,
    /// Where the sampling comes from.
    pub sampling: SamplingSource,
}

/// The clinician's "Generar", for the window and the command line alike:
/// refuses an episode with errors, chooses the draft, the profile and the
/// sampling (once, from the settings when asked), and streams the model's
/// text into a new version of the draft.
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
        let settings = request.sampling.settings(&guard)?;
        let template = chosen_template(&guard, &loaded.episode, &request.template)?;
        let plan = Plan::new(
            engine.info(),
            request.profile,
            template,
            request.sampling,
            &settings,
        );
        (draft, plan)
    };
    let job = Job {
        draft,
        episode: &loaded.episode,
        plan: &plan,
        task: &Task::Whole,
    };
    generate_version(engine, store, job, cancel, on_delta)
}

/// What [`regenerate_section`] rewrites, and how.
#[derive(Debug, Clone)]
pub struct SectionDraftRequest {
    /// The draft open in the window.
    pub draft: store::DraftId,
    /// The version whose text is rewritten (the one on screen).
    pub version: i64,
    /// The section to write again.
    pub section: clinical::Section,
    /// The clinician's instruction ("más breve"), if any.
    pub instruction: Option<String>,
    /// The template asked for by id; `None` for the one the version was
    /// written with, else the service's, else the built-in for the model.
    pub template: Option<String>,
    /// Where the sampling comes from.
    pub sampling: SamplingSource,
}

/// The clinician's "Regenerar sección": the model writes one section of a
/// version again, seeing the episode and the rest of the text, and the
/// text with only that section changed becomes the draft's next version
/// (origin `modelo`, the section and instruction recorded), checked whole.
pub fn regenerate_section(
    engine: &engine::Engine,
    store: &Mutex<store::Store>,
    request: SectionDraftRequest,
    cancel: &engine::CancelToken,
    on_delta: &mut dyn FnMut(&str),
) -> Result<GeneratedVersion, Error> {
    let (episode, plan, current) = {
        let guard = lock_store(store);
        let loaded = crate::desk::draft_loaded(&guard.draft(request.draft)?)?;
        loaded.require_valid()?;
        let version = guard.version(request.draft, request.version)?;
        // The same sections the window offered (found in the whole text).
        if !clinical::sections::sections(&version.text)
            .iter()
            .any(|s| s.section == request.section)
        {
            return Err(Error::NoSection {
                section: request.section.title(),
                draft: request.draft,
                version: request.version,
            });
        }
        let asked = request.template.or(version.provenance.template.clone());
        let template = match asked {
            // A template deleted since the version was written: the
            // service's or the built-in, rather than refusing.
            Some(id) => match guard.template(&id) {
                Ok(t) => Some(t),
                Err(store::Error::NoSuchTemplate(_)) => {
                    chosen_template(&guard, &loaded.episode, &TemplateChoice::Service)?
                }
                Err(e) => return Err(e.into()),
            },
            None => chosen_template(&guard, &loaded.episode, &TemplateChoice::Service)?,
        };
        let settings = request.sampling.settings(&guard)?;
        let plan = Plan::new(
            engine.info(),
            ProfileChoice::Auto,
            template,
            request.sampling,
            &settings,
        );
        (loaded.episode, plan, version.text)
    };
    let task = Task::Section {
        current,
        section: request.section,
        instruction: request.instruction,
    };
    let job = Job {
        draft: request.draft,
        episode: &episode,
        plan: &plan,
        task: &task,
    };
    generate_version(engine, store, job, cancel, on_delta)
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

    /// A finished model text with the template's closing line, controls
    /// that are one line: rewriting a middle section changes that section
    /// only, and nothing the application adds is doubled.
    #[test]
    fn a_section_reply_replaces_only_its_section_of_a_finished_text() {
        let episode = clinical::normalize(
            clinical::parse_episode(br#"{"paciente": {"sexo": "F", "edad": 80}}"#).unwrap(),
        );
        let template = clinical::Template {
            pie: "Dra. Jefa de Servicio".into(),
            ..clinical::Template::general()
        };
        let current = clinical::finish_with(
            &episode,
            &template,
            "Motivo de ingreso y antecedentes\nFiebre.\n\nEvolución\nFebril los dos primeros días.\n\nIndicaciones al alta\nReposo.",
        );
        assert!(current.ends_with("Controles: no consignados.\n\nDra. Jefa de Servicio\n"));
        let task = Task::Section {
            current: current.clone(),
            section: clinical::Section::Evolucion,
            instruction: Some("más breve".into()),
        };
        let rewritten = task.compose(&episode, &template, "Evolución:\nAfebril desde el día 3.");
        assert_eq!(
            rewritten,
            current.replace("Febril los dos primeros días.", "Afebril desde el día 3.")
        );
        assert_eq!(task.instruction().as_deref(), Some("más breve"));
    }

    #[test]
    fn timings_read_back_as_written_and_from_an_older_engine() {
        let finished = Timings::Finished {
            fin: engine::FinishReason::Eos,
            estadisticas: engine::Stats {
                prompt_tokens: 812,
                generated_tokens: 120,
                decode_tok_s: 30.5,
                ..engine::Stats::default()
            },
        };
        assert_eq!(Timings::read(Some(&finished.to_value())), Some(finished));
        let failed = Timings::Failed {
            error: "disco_lleno".into(),
            mensaje: "el disco está lleno".into(),
        };
        assert_eq!(Timings::read(Some(&failed.to_value())), Some(failed));
        // Written before the lookup figures existed.
        let older = serde_json::json!({ "fin": "max_tokens",
            "estadisticas": { "prompt_tokens": 10, "generated_tokens": 5, "decode_tok_s": 12.0 } });
        let Some(Timings::Finished { fin, estadisticas }) = Timings::read(Some(&older)) else {
            panic!("older timings not read");
        };
        assert_eq!(fin, engine::FinishReason::MaxTokens);
        assert_eq!(estadisticas.lookup_drafted, 0);
        assert_eq!(Timings::read(None), None);
    }
}
