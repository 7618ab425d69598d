//! The figures behind `epicrisis bench`: load time, prefill and decode
//! speed, time to first token (cold, and with the prompt already cached),
//! decode speed with the KV cache disabled, and peak memory.

use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::LoadWatch;
use crate::sampler::Sampling;
use crate::session::{compute_pool, CancelToken, LoadOptions, Session};

/// What `epicrisis bench` measures on one model.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The model file's name.
    pub model: String,
    /// Its size in bytes.
    pub file_size: u64,
    /// Compute threads used.
    pub threads: usize,
    /// Load time.
    pub load_ms: f64,
    /// Prompt tokens read.
    pub prompt_tokens: usize,
    /// Tokens generated.
    pub generated_tokens: usize,
    /// Prompt tokens per second.
    pub prefill_tok_s: f64,
    /// Generated tokens per second after the prompt.
    pub decode_tok_s: f64,
    /// Time to the first generated token.
    pub ttft_ms: f64,
    /// A second request with the same prompt: only its last token is run.
    pub ttft_shared_prefix_ms: f64,
    /// Recomputing the whole sequence for each new token, as without a KV
    /// cache, after `nocache_prompt_tokens` of prompt.
    pub nocache_decode_tok_s: f64,
    /// Prompt tokens of the no-cache run.
    pub nocache_prompt_tokens: usize,
    /// Tokens of the no-cache run.
    pub nocache_tokens: usize,
    /// Running 1 + k tokens in one forward pass (verifying k drafted
    /// tokens) against one decode step, at the prompt's depth: what sets
    /// lookup decoding's gain for a given acceptance.
    pub verify_cost: Vec<VerifyCost>,
    /// From Stop to the generation's return, during prefill and during
    /// decode.
    pub stop_prefill_ms: f64,
    /// From Stop to the return, during decode.
    pub stop_decode_ms: f64,
    /// `VmHWM`: the most resident memory the process has had.
    pub peak_rss_bytes: Option<u64>,
}

/// The cost of verifying `draft_tokens` drafted tokens in one pass.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyCost {
    /// Drafted tokens verified (k).
    pub draft_tokens: usize,
    /// Time of the 1 + k forward over the time of one decode step.
    pub relative_to_decode: f64,
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The model and how to load it.
    pub load: LoadOptions,
    /// Prompt tokens (random ids of the vocabulary).
    pub prompt_tokens: usize,
    /// Tokens to generate.
    pub gen_tokens: usize,
}

/// Spanish clinical text repeated to the wanted length, so the prompt has
/// realistic tokens.
const FILLER: &str = "Paciente de 67 años con antecedentes de hipertensión arterial y diabetes mellitus tipo 2, ingresa por neumonía adquirida en la comunidad. Se inicia ceftriaxona 2 g cada 24 horas con buena respuesta clínica; al alta se indica amoxicilina con ácido clavulánico 875/125 mg cada 12 horas por 7 días y control en policlínico. ";

/// Runs the benchmark on `opts.load.threads` compute threads.
pub fn run(opts: &BenchOptions) -> Result<BenchReport> {
    compute_pool(opts.load.threads)?.install(|| measure(opts))
}

fn measure(opts: &BenchOptions) -> Result<BenchReport> {
    let cancel = CancelToken::new();
    let mut session = Session::load(&opts.load, LoadWatch::NONE)?;
    let info = session.info().clone();
    let filler = session.tokenizer().encode(FILLER)?;
    let ids: Vec<u32> = filler
        .iter()
        .copied()
        .cycle()
        .take(opts.prompt_tokens)
        .collect();
    // Greedy, never stopping early: random weights would hit EOS at random.
    // Plain decoding: random weights fall into loops that lookup decoding
    // would draft, which says nothing of real text (see `lookup_eval`).
    let sampling = Sampling {
        temperature: 0.0,
        repeat_penalty: 1.0,
        lookup: 0,
        min_new_tokens: opts.gen_tokens,
        max_new_tokens: opts.gen_tokens,
        ..Sampling::default()
    };
    let (_, first) = session.generate(&ids, &sampling, &cancel, &mut |_| {})?;
    let short = Sampling {
        min_new_tokens: 1,
        max_new_tokens: 1,
        ..sampling.clone()
    };
    let (_, second) = session.generate(&ids, &short, &cancel, &mut |_| {})?;
    if second.reused_tokens + 1 != ids.len() {
        return Err(Error::Invalid(format!(
            "la segunda petición reutilizó {} de {} tokens",
            second.reused_tokens,
            ids.len()
        )));
    }
    // Without a cache every step reruns the whole sequence; a shorter
    // prompt keeps this figure to seconds on the large shapes.
    let nocache_prompt = ids.len().min(128);
    let nocache_tokens = 8;
    let mut seq = ids[..nocache_prompt].to_vec();
    let started = Instant::now();
    for _ in 0..nocache_tokens {
        let model = session.model_mut();
        model.truncate(0);
        let logits = model.forward(&seq)?;
        let next = logits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i as u32);
        seq.push(next);
    }
    let nocache_s = started.elapsed().as_secs_f64();
    let verify_cost = verify_costs(&mut session, &ids)?;
    let (stop_prefill_ms, stop_decode_ms) = stop_latencies(&mut session, &ids, &sampling)?;
    Ok(BenchReport {
        model: info.facts.file_name.clone(),
        file_size: info.facts.file_size,
        threads: rayon::current_num_threads(),
        load_ms: info.load_ms,
        prompt_tokens: ids.len(),
        generated_tokens: first.generated_tokens,
        prefill_tok_s: first.prefill_tok_s,
        decode_tok_s: first.decode_tok_s,
        ttft_ms: first.ttft_ms,
        ttft_shared_prefix_ms: second.ttft_ms,
        nocache_decode_tok_s: nocache_tokens as f64 / nocache_s,
        nocache_prompt_tokens: nocache_prompt,
        nocache_tokens,
        verify_cost,
        stop_prefill_ms,
        stop_decode_ms,
        peak_rss_bytes: peak_rss(),
    })
}

/// Median time of `f` over five runs, in seconds.
fn median_s(mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::with_capacity(5);
    for _ in 0..5 {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[2])
}

fn verify_costs(session: &mut Session, ids: &[u32]) -> Result<Vec<VerifyCost>> {
    let depth = ids.len() - 1;
    session.model_mut().truncate(0);
    // In chunks, as a request's prompt is (one pass of 1,200 tokens would
    // set the peak memory figure, not what generation needs).
    session.prefill(&ids[..depth], &CancelToken::new())?;
    let model = session.model_mut();
    let step = median_s(|| {
        model.truncate(depth);
        model.forward(&ids[depth..depth + 1]).map(|_| ())
    })?;
    let mut out = Vec::new();
    for k in [1, 2, 4, 8] {
        let tokens: Vec<u32> = ids
            .iter()
            .copied()
            .cycle()
            .skip(depth)
            .take(k + 1)
            .collect();
        let batch = median_s(|| {
            model.truncate(depth);
            model.forward_all(&tokens).map(|_| ())
        })?;
        out.push(VerifyCost {
            draft_tokens: k,
            relative_to_decode: batch / step,
        });
    }
    model.truncate(0);
    Ok(out)
}

/// Stops a generation 300 ms into its prefill and again 800 ms into its
/// decode (a 16-token prompt), from another thread, and measures how long the generation took
/// to return after each Stop.
fn stop_latencies(session: &mut Session, ids: &[u32], sampling: &Sampling) -> Result<(f64, f64)> {
    let mut measure = |prompt: &[u32], after: std::time::Duration| -> Result<f64> {
        let cancel = CancelToken::new();
        let stopped = std::sync::Arc::new(std::sync::Mutex::new(None));
        let timer = {
            let (cancel, stopped) = (cancel.clone(), stopped.clone());
            std::thread::spawn(move || {
                std::thread::sleep(after);
                if let Ok(mut at) = stopped.lock() {
                    *at = Some(Instant::now());
                }
                cancel.cancel();
            })
        };
        let long = Sampling {
            min_new_tokens: 4096,
            max_new_tokens: 4096,
            ..sampling.clone()
        };
        session.model_mut().truncate(0);
        let limit = session
            .model_mut()
            .context()
            .saturating_sub(prompt.len() + 1);
        let long = Sampling {
            min_new_tokens: long.min_new_tokens.min(limit),
            max_new_tokens: long.max_new_tokens.min(limit),
            ..long
        };
        session.generate(prompt, &long, &cancel, &mut |_| {})?;
        let returned = Instant::now();
        let _ = timer.join();
        let at = stopped.lock().ok().and_then(|at| *at);
        Ok(at.map_or(f64::NAN, |at| (returned - at).as_secs_f64() * 1000.0))
    };
    let during_prefill = measure(ids, std::time::Duration::from_millis(300))?;
    let short = &ids[..ids.len().min(16)];
    let during_decode = measure(short, std::time::Duration::from_millis(800))?;
    session.model_mut().truncate(0);
    Ok((during_prefill, during_decode))
}

/// Peak resident set size from `/proc/self/status` (Linux); `None` elsewhere.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
