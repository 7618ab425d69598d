//! What a quantization cost, measured as `llama-perplexity
//! --kl-divergence` measures it: on a Spanish clinical text, each output's
//! perplexity beside the unquantized reference's, the mean KL divergence of
//! its next-token distributions from the reference's, and how often both
//! agree on the most likely token; plus its file size, load time and decode
//! speed here.
//!
//! The text is cut into windows evaluated from an empty cache, and only the
//! second half of each window is scored (llama.cpp's convention, as in
//! `engine::perplexity`). The reference's log-probabilities are kept for
//! the scored tokens only, and the reference is unloaded before the first
//! output loads.

use std::path::{Path, PathBuf};
use std::time::Instant;

use engine::writer::FileType;
use engine::{CancelToken, LoadOptions, LoadWatch, Session};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The Spanish clinical text the crate carries: invented discharge
/// summaries in the register of Chilean wards (no real patient).
pub const CLINICAL_CORPUS: &str = include_str!("../data/corpus_clinico.txt");

/// Tokens per window, and at most this many windows: 256 scored tokens,
/// whose reference distributions (151,936 f32 each on Qwen) take 155 MB.
const WINDOW: usize = 256;
const MAX_WINDOWS: usize = 2;
/// Decode speed is timed over this many tokens after a short prompt.
const DECODE_TOKENS: usize = 32;
/// "Within 1 % of the reference's perplexity".
const PERPLEXITY_MARGIN: f64 = 0.01;

/// A text to measure on.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Shown in the report: "corpus clínico de Epicrisis" or a file name.
    pub name: String,
    /// The text.
    pub text: String,
    /// Its file, when it came from one.
    pub path: Option<PathBuf>,
}

impl Corpus {
    /// The text the crate carries ([`CLINICAL_CORPUS`]).
    pub fn clinical() -> Corpus {
        Corpus {
            name: "corpus clínico de Epicrisis".into(),
            text: CLINICAL_CORPUS.to_string(),
            path: None,
        }
    }

    /// A text file of the hospital's own (`--corpus`).
    pub fn from_file(path: &Path) -> Result<Corpus> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        Ok(Corpus {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            text,
            path: Some(path.to_path_buf()),
        })
    }
}

/// What the quantization cost, saved beside the output as `NAME.informe.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct QualityReport {
    /// The model's name.
    pub model: String,
    /// The text it was measured on.
    pub corpus: String,
    /// Tokens scored.
    pub scored_tokens: usize,
    /// Tokens per window (the second half of each is scored).
    pub window: usize,
    /// The unquantized reference.
    pub reference: Reference,
    /// Each output, measured against it.
    pub outputs: Vec<OutputQuality>,
    /// The smallest output within 1 % of the reference's perplexity.
    pub recommendation: Option<FileType>,
}

/// The unquantized model the outputs are compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Reference {
    /// Its type (F16, BF16 or F32).
    pub file_type: FileType,
    /// Its perplexity on the text.
    pub perplexity: f64,
}

/// One output, measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct OutputQuality {
    /// Its type.
    pub file_type: FileType,
    /// Its file name.
    pub file: String,
    /// Its size.
    pub file_bytes: u64,
    /// Its perplexity on the text.
    pub perplexity: f64,
    /// Perplexity over the reference's, minus one (0.004 = 0.4 % worse).
    pub perplexity_change: f64,
    /// Mean KL divergence from the reference's next-token distributions.
    pub kl_divergence_mean: f64,
    /// The largest KL divergence of any scored token.
    pub kl_divergence_max: f64,
    /// Share of scored tokens where output and reference rank the same
    /// token first.
    pub top1_agreement: f64,
    /// Seconds to load it.
    pub load_seconds: f64,
    /// Its decode speed here.
    pub decode_tokens_per_second: f64,
}

/// What [`measure`] is doing, for a progress bar.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 0 to 1 of the measuring.
    pub share: f32,
    /// The model being measured.
    pub model: String,
}

/// Measures each of `outputs` against `reference` (the unquantized GGUF of
/// the same weights) on `corpus`.
pub fn measure(
    model_name: &str,
    reference: (FileType, &Path),
    outputs: &[(FileType, PathBuf)],
    corpus: &Corpus,
    threads: Option<usize>,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Step),
) -> Result<QualityReport> {
    let steps = (outputs.len() + 1) as f32;
    progress(Step {
        share: 0.0,
        model: reference.0.name().into(),
    });
    let (mut session, _) = load(reference.1, threads, cancel)?;
    let ids = session.tokenizer().encode(&corpus.text)?;
    let window = WINDOW.min(ids.len());
    if window < 32 {
        return Err(Error::CorpusTooShort {
            path: corpus
                .path
                .clone()
                .unwrap_or_else(|| corpus.name.clone().into()),
            tokens: ids.len(),
            needed: 32,
        });
    }
    let windows = (ids.len() / window).min(MAX_WINDOWS);
    let ids = &ids[..windows * window];
    let mut ref_logprobs: Vec<Vec<f32>> = Vec::new();
    let mut ref_nll = 0f64;
    for w in 0..windows {
        let chunk = &ids[w * window..(w + 1) * window];
        for (j, lp) in scored_logprobs(&mut session, chunk, cancel)? {
            ref_nll -= f64::from(lp[chunk[j + 1] as usize]);
            ref_logprobs.push(lp);
        }
    }
    drop(session);
    let scored = ref_logprobs.len();
    let ref_ppl = (ref_nll / scored as f64).exp();

    let mut results = Vec::with_capacity(outputs.len());
    for (i, (file_type, path)) in outputs.iter().enumerate() {
        progress(Step {
            share: (i + 1) as f32 / steps,
            model: file_type.name().into(),
        });
        let (mut session, load_seconds) = load(path, threads, cancel)?;
        let mut nll = 0f64;
        let (mut kl_sum, mut kl_max, mut agree) = (0f64, 0f64, 0usize);
        let mut k = 0;
        for w in 0..windows {
            let chunk = &ids[w * window..(w + 1) * window];
            for (j, lp) in scored_logprobs(&mut session, chunk, cancel)? {
                let reference = &ref_logprobs[k];
                k += 1;
                nll -= f64::from(lp[chunk[j + 1] as usize]);
                let kl: f64 = reference
                    .iter()
                    .zip(&lp)
                    .map(|(&r, &q)| f64::from(r).exp() * f64::from(r - q))
                    .sum();
                kl_sum += kl;
                kl_max = kl_max.max(kl);
                agree += usize::from(argmax(reference) == argmax(&lp));
            }
        }
        let decode = decode_speed(&mut session, ids, cancel)?;
        drop(session);
        let ppl = (nll / scored as f64).exp();
        results.push(OutputQuality {
            file_type: *file_type,
            file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            file_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            perplexity: ppl,
            perplexity_change: ppl / ref_ppl - 1.0,
            kl_divergence_mean: kl_sum / scored as f64,
            kl_divergence_max: kl_max,
            top1_agreement: agree as f64 / scored as f64,
            load_seconds,
            decode_tokens_per_second: decode,
        });
    }
    progress(Step {
        share: 1.0,
        model: String::new(),
    });
    let recommendation = recommend(&results);
    Ok(QualityReport {
        model: model_name.to_string(),
        corpus: corpus.name.clone(),
        scored_tokens: scored,
        window,
        reference: Reference {
            file_type: reference.0,
            perplexity: ref_ppl,
        },
        outputs: results,
        recommendation,
    })
}

/// The smallest file whose perplexity is within the margin.
fn recommend(outputs: &[OutputQuality]) -> Option<FileType> {
    outputs
        .iter()
        .filter(|o| o.perplexity_change.abs() <= PERPLEXITY_MARGIN)
        .min_by_key(|o| o.file_bytes)
        .map(|o| o.file_type)
}

fn load(path: &Path, threads: Option<usize>, cancel: &CancelToken) -> Result<(Session, f64)> {
    let started = Instant::now();
    let options = LoadOptions {
        model: path.to_path_buf(),
        tokenizer: None,
        context: Some(WINDOW),
        device: engine::DeviceChoice::Cpu,
        threads,
    };
    let cancelled = || cancel.is_cancelled();
    let watch = LoadWatch {
        cancelled: &cancelled,
        progress: &|_| {},
    };
    match Session::load(&options, watch) {
        Ok(s) => Ok((s, started.elapsed().as_secs_f64())),
        Err(engine::Error::LoadCancelled) => Err(Error::Cancelled),
        Err(e) => Err(e.into()),
    }
}

/// The log-softmax at each scored position `j` (second half of the
/// window), which predicts token `j + 1`.
fn scored_logprobs(
    session: &mut Session,
    chunk: &[u32],
    cancel: &CancelToken,
) -> Result<Vec<(usize, Vec<f32>)>> {
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let model = session.model_mut();
    model.truncate(0);
    let logits = model.forward_all(chunk)?;
    let first = chunk.len() / 2;
    let mut out = Vec::with_capacity(chunk.len() - 1 - first);
    for j in first..chunk.len() - 1 {
        let row = logits.row(j);
        if row.iter().any(|l| !l.is_finite()) {
            return Err(engine::Error::NonFinite { position: j }.into());
        }
        out.push((j, log_softmax(row)));
    }
    model.truncate(0);
    Ok(out)
}

fn log_softmax(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = row.iter().map(|&l| f64::from(l - max).exp()).sum();
    let log_sum = sum.ln() as f32 + max;
    row.iter().map(|&l| l - log_sum).collect()
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

/// Greedy decode speed after a 16-token prompt, tokens per second.
fn decode_speed(session: &mut Session, ids: &[u32], cancel: &CancelToken) -> Result<f64> {
    let model = session.model_mut();
    model.truncate(0);
    let prompt = &ids[..16.min(ids.len())];
    let mut logits = model.forward(prompt)?;
    let started = Instant::now();
    for _ in 0..DECODE_TOKENS {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let next = argmax(&logits) as u32;
        logits = model.forward(&[next])?;
    }
    let seconds = started.elapsed().as_secs_f64();
    model.truncate(0);
    Ok(DECODE_TOKENS as f64 / seconds.max(1e-9))
}

impl QualityReport {
    /// The report in Spanish, as the CLI prints it and the app shows it.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "Informe de calidad de «{}»\nTexto: {} ({} tokens evaluados, ventanas de {})\nReferencia sin cuantizar ({}): perplejidad {:.3}\n\n",
            self.model,
            self.corpus,
            self.scored_tokens,
            self.window,
            self.reference.file_type.name(),
            self.reference.perplexity
        );
        out.push_str("tipo     tamaño     perplejidad   cambio   KL media   KL máx   top-1    carga   tokens/s\n");
        for o in &self.outputs {
            out.push_str(&format!(
                "{:<8} {:>7.1} MB {:>12.3} {:>+7.2} % {:>9.5} {:>8.4} {:>6.1} % {:>6.2} s {:>8.1}\n",
                o.file_type.name(),
                o.file_bytes as f64 / 1e6,
                o.perplexity,
                o.perplexity_change * 100.0,
                o.kl_divergence_mean,
                o.kl_divergence_max,
                o.top1_agreement * 100.0,
                o.load_seconds,
                o.decode_tokens_per_second
            ));
        }
        out.push('\n');
        match self.recommendation {
            Some(t) => out.push_str(&format!(
                "Recomendación: {}, el archivo más pequeño cuya perplejidad queda a menos de 1 % de la referencia.\n",
                t.name()
            )),
            None => out.push_str(
                "Ningún tipo medido queda a menos de 1 % de la perplejidad de la referencia: use Q8_0 o pruebe Q5_K_M.\n",
            ),
        }
        out
    }

    /// Where the report is saved: beside the GGUF, `NAME.informe.json`.
    pub fn path_for(gguf: &Path) -> PathBuf {
        gguf.with_extension("informe.json")
    }

    /// Writes the report as pretty JSON to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, json).map_err(|e| Error::io(path, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(t: FileType, bytes: u64, change: f64) -> OutputQuality {
        OutputQuality {
            file_type: t,
            file: String::new(),
            file_bytes: bytes,
            perplexity: 10.0 * (1.0 + change),
            perplexity_change: change,
            kl_divergence_mean: 0.0,
            kl_divergence_max: 0.0,
            top1_agreement: 1.0,
            load_seconds: 0.0,
            decode_tokens_per_second: 0.0,
        }
    }

    #[test]
    fn recommends_the_smallest_within_one_percent() {
        let outs = [
            output(FileType::Q8_0, 1600, 0.001),
            output(FileType::Q4KM, 900, 0.03),
            output(FileType::Q5KM, 1100, 0.008),
        ];
        assert_eq!(recommend(&outs), Some(FileType::Q5KM));
        assert_eq!(recommend(&outs[1..2]), None);
    }

    #[test]
    fn log_softmax_sums_to_one() {
        let lp = log_softmax(&[1.0, 2.0, 3.0, -50.0]);
        let total: f64 = lp.iter().map(|&l| f64::from(l).exp()).sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert_eq!(argmax(&lp), 2);
    }

    #[test]
    fn the_corpus_is_long_enough_for_two_windows() {
        // About 4 characters per token in Spanish with the Qwen tokenizer.
        assert!(CLINICAL_CORPUS.len() > 4 * WINDOW * MAX_WINDOWS);
    }
}
