//! The figures behind `epicrisis bench`: load time, prefill and decode
//! speed, time to first token (cold, and with the prompt already cached),
//! decode speed with the KV cache disabled, and peak memory.

use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::LoadWatch;
use crate::sampler::Sampling;
use crate::session::{compute_pool, CancelToken, LoadOptions, Session};

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub model: String,
    pub file_size: u64,
    pub threads: usize,
    pub load_ms: f64,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prefill_tok_s: f64,
    pub decode_tok_s: f64,
    pub ttft_ms: f64,
    /// A second request with the same prompt: only its last token is run.
    pub ttft_shared_prefix_ms: f64,
    /// Recomputing the whole sequence for each new token, as without a KV
    /// cache, after `nocache_prompt_tokens` of prompt.
    pub nocache_decode_tok_s: f64,
    pub nocache_prompt_tokens: usize,
    pub nocache_tokens: usize,
    /// `VmHWM`: the most resident memory the process has had.
    pub peak_rss_bytes: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub load: LoadOptions,
    pub prompt_tokens: usize,
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
    let sampling = Sampling {
        temperature: 0.0,
        repeat_penalty: 1.0,
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
        let logits = model.forward(&seq)?.to_vec1::<f32>()?;
        let next = logits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i as u32);
        seq.push(next);
    }
    let nocache_s = started.elapsed().as_secs_f64();
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
        peak_rss_bytes: peak_rss(),
    })
}

/// Peak resident set size from `/proc/self/status` (Linux); `None` elsewhere.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
