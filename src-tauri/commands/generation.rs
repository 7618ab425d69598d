//! Writing the epicrisis: with the model, streamed to the window through a
//! channel, or deterministically at once. Each result is a new version of
//! the episode's draft.

use std::time::Instant;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::error::{ShellKind, UiError, UiResult};
use crate::state::Desk;
use crate::view::VersionView;

/// What the window hears while the model writes. (Which draft the text
/// goes into is in the command's answer.)
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum GenerationEvent {
    /// New text, never a split character.
    Delta {
        text: String,
        tokens: usize,
        elapsed_ms: u64,
        tokens_per_s: f64,
    },
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Written {
    pub draft_id: i64,
    pub version: VersionView,
    /// `eos`, `max_tokens`, `stop_string` or `cancelled`; absent for the
    /// deterministic draft.
    pub reason: Option<engine::FinishReason>,
    pub stats: Option<engine::Stats>,
}

/// The model writes the whole epicrisis; `template` is the id chosen beside
/// Generar (`None`: the service's, else the built-in for the model).
#[tauri::command]
pub async fn generate(
    desk: State<'_, Desk>,
    json: String,
    draft_id: Option<i64>,
    template: Option<String>,
    events: Channel<GenerationEvent>,
) -> UiResult<Written> {
    let loaded = pipeline::form_episode(&json)?;
    loaded.require_valid()?;
    streamed(&desk, events, move |engine, store, cancel, on_delta| {
        let request = pipeline::DraftRequest {
            loaded: &loaded,
            current: draft_id,
            profile: pipeline::ProfileChoice::Auto,
            template: pipeline::TemplateChoice::from_id(template),
            // A new seed each time: "Regenerar" should give another text.
            sampling: pipeline::SamplingSource::Settings { seed: fresh_seed() },
        };
        pipeline::generate_draft(engine, store, request, cancel, on_delta)
    })
    .await
}

/// The model writes one section of a version again, with the clinician's
/// instruction; the other sections stay as written.
#[tauri::command]
pub async fn generate_section(
    desk: State<'_, Desk>,
    draft_id: i64,
    version: i64,
    section: clinical::Section,
    instruction: Option<String>,
    template: Option<String>,
    events: Channel<GenerationEvent>,
) -> UiResult<Written> {
    streamed(&desk, events, move |engine, store, cancel, on_delta| {
        let request = pipeline::SectionDraftRequest {
            draft: draft_id,
            version,
            section,
            instruction,
            template,
            sampling: pipeline::SamplingSource::Settings { seed: fresh_seed() },
        };
        pipeline::regenerate_section(engine, store, request, cancel, on_delta)
    })
    .await
}

/// Runs a model's writing off the async runtime, one at a time, with its
/// text streamed through `events` and Detener's token.
async fn streamed(
    desk: &Desk,
    events: Channel<GenerationEvent>,
    write: impl FnOnce(
            &engine::Engine,
            &std::sync::Mutex<store::Store>,
            &engine::CancelToken,
            &mut dyn FnMut(&str),
        ) -> Result<pipeline::GeneratedVersion, pipeline::Error>
        + Send
        + 'static,
) -> UiResult<Written> {
    let engine = desk.engine().ok_or_else(UiError::no_model)?;
    let store = desk.store()?;
    let cancel = desk
        .start_generating()
        .ok_or_else(|| UiError::busy("ya se está generando una epicrisis"))?;
    let result = tauri::async_runtime::spawn_blocking(move || -> UiResult<Written> {
        let started = Instant::now();
        let mut first = None;
        let mut tokens = 0usize;
        let written = write(&engine, &store, &cancel, &mut |delta| {
            tokens += 1;
            let now = Instant::now();
            // The writing speed, from the first token on: the prompt's
            // reading (seconds on a long episode) is in the elapsed time.
            let since_first = now.duration_since(*first.get_or_insert(now));
            let tokens_per_s = match tokens {
                1 => 0.0,
                n => (n - 1) as f64 / since_first.as_secs_f64().max(1e-3),
            };
            let _ = events.send(GenerationEvent::Delta {
                text: delta.to_string(),
                tokens,
                elapsed_ms: now.duration_since(started).as_millis() as u64,
                tokens_per_s,
            });
        })?;
        Ok(Written {
            draft_id: written.version.draft_id,
            reason: Some(written.generated.reason),
            stats: Some(written.generated.stats),
            version: written.version.into(),
        })
    })
    .await;
    desk.finish_generating();
    result.map_err(|e| UiError::new(ShellKind::Interno, format!("La generación falló: {e}")))?
}

fn fresh_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(42, |d| d.as_nanos() as u64)
}

/// Stops the generation in progress; the text so far is kept as a version.
#[tauri::command]
pub fn generate_stop(desk: State<'_, Desk>) -> bool {
    desk.cancel_generating()
}

/// The deterministic epicrisis, at once and without a model.
#[tauri::command]
pub fn draft_deterministic(
    desk: State<'_, Desk>,
    json: String,
    draft_id: Option<i64>,
    template: Option<String>,
) -> UiResult<Written> {
    let loaded = pipeline::form_episode(&json)?;
    desk.with_store(|store| {
        let (version, _) = pipeline::write_deterministic(
            store,
            &loaded,
            draft_id,
            &pipeline::TemplateChoice::from_id(template),
        )?;
        Ok(Written {
            draft_id: version.draft_id,
            version: version.into(),
            reason: None,
            stats: None,
        })
    })
}
