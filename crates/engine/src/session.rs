//! A loaded model with its tokenizer and template, and the synchronous
//! generation loop: prefix reuse, chunked prefill, sampling, streaming,
//! cancellation. The worker thread ([`crate::Engine`]) drives it; the
//! benchmarks and perplexity drive it directly.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::device::{self, DeviceChoice};
use crate::error::{Error, Result};
use crate::facts::ModelFacts;
use crate::model::{LoadWatch, Model};
use crate::sampler::{Sampler, Sampling};
use crate::stream::TextStream;
use crate::template::{ChatMessage, ChatTemplate};
use crate::tokenizer::{TextTokenizer, TokenizerSource};

/// Prompt tokens per forward pass during prefill. Cancellation is checked
/// between layers, so a chunk's size does not delay a Stop.
pub const PREFILL_CHUNK: usize = 128;

/// Context allocated when the caller does not choose one: enough for a long
/// stay and its epicrisis, and what the memory target is stated for.
pub const DEFAULT_CONTEXT: usize = 4096;

/// What to load and how.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The GGUF file.
    pub model: PathBuf,
    /// A `tokenizer.json`; otherwise the one beside the model or the GGUF's.
    pub tokenizer: Option<PathBuf>,
    /// Tokens of KV cache; default [`DEFAULT_CONTEXT`] or the model's own
    /// context if smaller.
    pub context: Option<usize>,
    /// CPU, CUDA or Metal (the CPU when the one asked for is missing, saying
    /// why).
    pub device: DeviceChoice,
    /// Compute threads; default all cores.
    pub threads: Option<usize>,
}

/// What was loaded and how, for the UI and `--format json`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct LoadedInfo {
    /// The file, described.
    pub facts: ModelFacts,
    /// Where it runs (`cpu`, `cuda`, `metal`).
    pub device: &'static str,
    /// Why it runs elsewhere than asked, if it does.
    pub device_fallback: Option<String>,
    /// Where the tokenizer came from.
    pub tokenizer: TokenizerSource,
    /// Whether the chat template is the model's own (else a built-in ChatML).
    pub chat_template_from_model: bool,
    /// Tokens of KV cache allocated.
    pub context: usize,
    /// How long loading took.
    pub load_ms: f64,
}

/// Shared between a request's owner and the worker; set it to stop.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet set.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    /// Asks the work that holds a clone to stop at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model wrote its end-of-text token.
    Eos,
    /// It reached the token limit.
    MaxTokens,
    /// It wrote one of the request's stop strings.
    StopString,
    /// Its cancel token was set.
    Cancelled,
}

/// What a generation measured.
// `default`: figures a newer engine adds read as zero from a version an
// older one wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Stats {
    /// Tokens in the prompt.
    pub prompt_tokens: usize,
    /// Prompt tokens whose keys and values were reused from the previous
    /// request instead of recomputed.
    pub reused_tokens: usize,
    /// Tokens generated.
    pub generated_tokens: usize,
    /// Time to the first generated token.
    pub ttft_ms: f64,
    /// Time reading the prompt.
    pub prefill_ms: f64,
    /// Prompt tokens per second.
    pub prefill_tok_s: f64,
    /// Time writing the answer.
    pub decode_ms: f64,
    /// Generated tokens per second.
    pub decode_tok_s: f64,
    /// Prompt-lookup decoding: tokens drafted from the text so far, and how
    /// many of them the model confirmed (each saved a decode step).
    pub lookup_drafted: usize,
    /// Drafted tokens the model confirmed.
    pub lookup_accepted: usize,
}

/// What a generation reports, in order: started, tokens, then finished or
/// failed.
#[derive(Debug)]
pub enum Event {
    /// The prompt is in the cache; tokens come next.
    Started {
        /// Tokens in the prompt.
        prompt_tokens: usize,
        /// Of those, reused from the previous request.
        reused_tokens: usize,
    },
    /// Text for the reader. Each generated token brings one, with its id
    /// (the delta may be empty while a character is unfinished). When text
    /// was held back at the end (an unfinished character, the start of a
    /// possible stop string), one last `Token` without an id flushes it:
    /// the ids are exactly the generated tokens, the deltas exactly the
    /// text.
    Token {
        /// The text this token adds (possibly empty).
        text_delta: String,
        /// The token; `None` on the final flush.
        token_id: Option<u32>,
    },
    /// The generation ended.
    Finished {
        /// Why.
        reason: FinishReason,
        /// What it measured.
        stats: Stats,
    },
    /// The generation failed; the text so far was sent.
    Failed {
        /// Why.
        error: Error,
    },
}

/// A loaded model with its tokenizer and chat template, used from one thread
/// (the engine's worker).
pub struct Session {
    model: Model,
    tokenizer: Arc<TextTokenizer>,
    template: Arc<ChatTemplate>,
    info: LoadedInfo,
}

impl Session {
    /// Loads a model, reporting progress to `watch` and stopping when it is
    /// cancelled.
    pub fn load(opts: &LoadOptions, watch: LoadWatch<'_>) -> Result<Session> {
        device::check_cpu()?;
        let started = Instant::now();
        let (facts, file) = ModelFacts::read(&opts.model)?;
        // Model::load refuses a context of 0 or beyond the model's.
        let context = facts.context_for(opts.context);
        let selected = device::select(opts.device);
        // The tokenizer (rebuilt from the GGUF's vocabulary: most of a warm
        // load now that weights are mapped) is built beside the weights.
        let (tokenizer, model) = std::thread::scope(|scope| {
            let tokenizer =
                scope.spawn(|| TextTokenizer::for_model(&file, opts.tokenizer.as_deref()));
            let model = Model::load(
                &file,
                facts.architecture,
                &facts.hyper,
                context,
                &selected.device,
                watch,
            );
            let tokenizer = tokenizer.join().unwrap_or_else(|_| {
                Err(Error::Invalid(
                    "la lectura del tokenizador terminó con un error interno".into(),
                ))
            });
            // A bad tokenizer is named first, as before the two ran together.
            Ok::<_, Error>((tokenizer?, model?))
        })?;
        let template_source = match file.string("tokenizer.chat_template") {
            Some(t) => Some(t.to_string()),
            None => std::fs::read_to_string(opts.model.with_file_name("tokenizer_config.json"))
                .ok()
                .and_then(|j| ChatTemplate::from_tokenizer_config(&j)),
        };
        let special = |key: &str| {
            file.integer(key)
                .ok()
                .flatten()
                .and_then(|id| tokenizer.id_to_token(id as u32))
                .unwrap_or_default()
        };
        let template = ChatTemplate::new(
            template_source.as_deref(),
            &special("tokenizer.ggml.bos_token_id"),
            &special("tokenizer.ggml.eos_token_id"),
        );
        let info = LoadedInfo {
            chat_template_from_model: template.from_model,
            facts,
            device: selected.name,
            device_fallback: selected.fallback,
            tokenizer: tokenizer.source().clone(),
            context,
            load_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        log::info!(
            "model loaded: {} ({} bytes, {:?}, {} parameters, {}), context {}, device {}{}, tokenizer {:?}, {:.0} ms",
            info.facts.file_name,
            info.facts.file_size,
            info.facts.architecture,
            info.facts.parameters,
            info.facts.quantization,
            info.context,
            info.device,
            info.device_fallback
                .as_deref()
                .map(|why| format!(" (fallback: {why})"))
                .unwrap_or_default(),
            info.tokenizer,
            info.load_ms
        );
        Ok(Session {
            model,
            tokenizer: Arc::new(tokenizer),
            template: Arc::new(template),
            info,
        })
    }

    /// What was loaded and how.
    pub fn info(&self) -> &LoadedInfo {
        &self.info
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Arc<TextTokenizer> {
        &self.tokenizer
    }

    /// The chat template.
    pub fn template(&self) -> &Arc<ChatTemplate> {
        &self.template
    }

    /// The model, for the bench and the perplexity measure.
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// The ids of `messages` as the chat template renders them.
    pub fn prompt_ids(&self, messages: &[ChatMessage]) -> Result<Vec<u32>> {
        self.template.encode(&self.tokenizer, messages)
    }

    /// Brings the cache to `prompt`, reusing the prefix it shares with what
    /// is cached. Returns the last position's logits and how many prompt
    /// tokens were reused, or `None` when cancelled between chunks.
    pub fn prefill(
        &mut self,
        prompt: &[u32],
        cancel: &CancelToken,
    ) -> Result<Option<(Vec<f32>, usize)>> {
        if prompt.is_empty() {
            return Err(Error::EmptyPrompt);
        }
        let shared = self
            .model
            .cached_tokens()
            .iter()
            .zip(prompt)
            .take_while(|(a, b)| a == b)
            .count();
        // The last prompt token is always run: its logits start the answer.
        let reuse = shared.min(prompt.len() - 1);
        self.model.truncate(reuse);
        let mut logits = None;
        let stop = || cancel.is_cancelled();
        for chunk in prompt[reuse..].chunks(PREFILL_CHUNK) {
            match self.model.forward_cancellable(chunk, &stop)? {
                Some(l) => logits = Some(l),
                None => return Ok(None),
            }
        }
        match logits {
            Some(l) => Ok(Some((l, reuse))),
            None => Err(Error::EmptyPrompt),
        }
    }

    /// Generates from `prompt`, sending `Started` and `Token` events to
    /// `emit`; the caller sends `Finished`/`Failed` from the result.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        sampling: &Sampling,
        cancel: &CancelToken,
        emit: &mut dyn FnMut(Event),
    ) -> Result<(FinishReason, Stats)> {
        let context = self.model.context();
        if prompt.is_empty() {
            return Err(Error::EmptyPrompt);
        }
        if prompt.len() + sampling.max_new_tokens > context {
            return Err(Error::PromptTooLong {
                prompt: prompt.len(),
                reserve: sampling.max_new_tokens,
                context,
            });
        }
        let mut sampler = Sampler::new(sampling.clone(), self.tokenizer.eos())?;
        let started = Instant::now();
        let mut stats = Stats {
            prompt_tokens: prompt.len(),
            ..Stats::default()
        };
        let Some((logits, reused)) = self.prefill(prompt, cancel)? else {
            return Ok((FinishReason::Cancelled, stats));
        };
        stats.reused_tokens = reused;
        let prefill_done = Instant::now();
        stats.prefill_ms = ms(started, prefill_done);
        stats.prefill_tok_s = per_second(prompt.len() - stats.reused_tokens, stats.prefill_ms);
        emit(Event::Started {
            prompt_tokens: prompt.len(),
            reused_tokens: stats.reused_tokens,
        });
        let mut history = prompt.to_vec();
        let mut stream = TextStream::new(&sampling.stop);
        let mut first_token_at = None;
        // Logits for the positions after `history`, in order; more than one
        // while drafted tokens are being checked, each row assuming the
        // draft token before it.
        let mut rows: VecDeque<Vec<f32>> = VecDeque::from([logits]);
        let mut drafted: VecDeque<u32> = VecDeque::new();
        // Drafts are verified in a batch, which must give the bits of one
        // token at a time for the output not to change: our CPU path does.
        let lookup = if self.model.batch_invariant() {
            sampling.lookup
        } else {
            0
        };
        // Verifying a token costs about half a decode step here, so drafts
        // start short and grow while the text keeps copying.
        let mut draft_len = lookup.min(2);
        let reason = loop {
            if cancel.is_cancelled() {
                break FinishReason::Cancelled;
            }
            let mut logits = rows.pop_front().ok_or_else(|| {
                Error::Invalid("no quedan logits para el siguiente token (error interno)".into())
            })?;
            let generated = history.len() - prompt.len();
            let id = sampler.sample(&mut logits, &history, generated, history.len())?;
            if first_token_at.is_none() {
                first_token_at = Some(Instant::now());
            }
            if self.tokenizer.eos().contains(&id) {
                break FinishReason::Eos;
            }
            history.push(id);
            let step = stream.push(&self.tokenizer, id)?;
            emit(Event::Token {
                text_delta: step.delta,
                token_id: Some(id),
            });
            if step.stopped {
                break FinishReason::StopString;
            }
            let generated = history.len() - prompt.len();
            if generated >= sampling.max_new_tokens {
                break FinishReason::MaxTokens;
            }
            match drafted.pop_front() {
                // The model chose the drafted token: the next row is ready.
                Some(d) if d == id => {
                    stats.lookup_accepted += 1;
                    if drafted.is_empty() {
                        // A whole draft confirmed: draft more next time.
                        draft_len = (draft_len + 1).min(lookup);
                    }
                    continue;
                }
                // It chose another: what was computed after the draft goes,
                // and the next draft is shorter (a miss costs its tokens).
                Some(_) => {
                    self.model.truncate(history.len() - 1);
                    rows.clear();
                    drafted.clear();
                    draft_len = (draft_len / 2).max(1);
                }
                None => {}
            }
            // Never draft past the length limit (nor, so, the context).
            let room = sampling.max_new_tokens - generated - 1;
            let draft = lookup_draft(&history, draft_len.min(room));
            let stop = || cancel.is_cancelled();
            if draft.is_empty() {
                match self.model.forward_cancellable(&[id], &stop)? {
                    Some(l) => rows.push_back(l),
                    None => break FinishReason::Cancelled,
                }
            } else {
                let mut input = Vec::with_capacity(draft.len() + 1);
                input.push(id);
                input.extend_from_slice(&draft);
                match self.model.forward_all_cancellable(&input, &stop)? {
                    Some(all) => {
                        rows.extend((0..all.rows()).map(|i| all.row(i).to_vec()));
                        stats.lookup_drafted += draft.len();
                        drafted.extend(draft);
                    }
                    None => break FinishReason::Cancelled,
                }
            }
        };
        // Keep only the cached positions the text really has (a stop can
        // come while drafted tokens are still unchecked).
        let kept = self
            .model
            .cached_tokens()
            .iter()
            .zip(&history)
            .take_while(|(a, b)| a == b)
            .count();
        self.model.truncate(kept);
        // Text held back (an unfinished character, the start of a possible
        // stop string) goes out last, with no token of its own.
        if reason != FinishReason::StopString {
            let rest = stream.finish(&self.tokenizer)?;
            if !rest.is_empty() {
                emit(Event::Token {
                    text_delta: rest,
                    token_id: None,
                });
            }
        }
        let end = Instant::now();
        let first = first_token_at.unwrap_or(end);
        stats.generated_tokens = history.len() - prompt.len();
        stats.ttft_ms = ms(started, first);
        stats.decode_ms = ms(first, end);
        stats.decode_tok_s = per_second(stats.generated_tokens.saturating_sub(1), stats.decode_ms);
        log::info!(
            "generation finished ({reason:?}): {} prompt tokens ({} reused), {} generated, prefill {:.0} t/s, decode {:.1} t/s, first token {:.0} ms, lookup {}/{}",
            stats.prompt_tokens,
            stats.reused_tokens,
            stats.generated_tokens,
            stats.prefill_tok_s,
            stats.decode_tok_s,
            stats.ttft_ms,
            stats.lookup_accepted,
            stats.lookup_drafted
        );
        Ok((reason, stats))
    }
}

/// A pool of `threads` compute threads (all cores when `None`). candle's CPU
/// kernels run on the current rayon pool, so installing this pool around
/// loading and generation is how a thread count reaches them.
pub fn compute_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder =
        rayon::ThreadPoolBuilder::new().thread_name(|i| format!("epicrisis-calculo-{i}"));
    if let Some(n) = threads {
        if n == 0 {
            return Err(Error::Invalid(
                "el número de hilos debe ser al menos 1".into(),
            ));
        }
        builder = builder.num_threads(n);
    }
    builder.build().map_err(|e| Error::Io {
        path: "hilos de cálculo".into(),
        reason: e.to_string(),
    })
}

/// Up to `max` tokens that followed the latest earlier occurrence of the
/// text's last three tokens (or two), in the prompt or the text so far: an
/// epicrisis copies drug lines, codes and dates from its prompt.
fn lookup_draft(history: &[u32], max: usize) -> Vec<u32> {
    if max == 0 {
        return Vec::new();
    }
    let len = history.len();
    for n in [3, 2] {
        if len <= n {
            continue;
        }
        let tail = &history[len - n..];
        // Start positions whose match leaves at least one token after it.
        if let Some(i) = (0..len - n).rev().find(|&i| &history[i..i + n] == tail) {
            let from = i + n;
            return history[from..(from + max).min(len)].to_vec();
        }
    }
    Vec::new()
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.duration_since(from).as_secs_f64() * 1000.0
}

fn per_second(tokens: usize, ms: f64) -> f64 {
    if ms <= 0.0 {
        0.0
    } else {
        tokens as f64 / (ms / 1000.0)
    }
}
