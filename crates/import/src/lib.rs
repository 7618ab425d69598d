#![warn(missing_docs)]
//! The hospital's own fine-tune, imported: a Hugging Face checkpoint folder
//! (`config.json`, `model.safetensors` or shards, `tokenizer.json`), with a
//! PEFT LoRA adapter merged in if given, becomes one GGUF file that our
//! engine and llama.cpp both load, with a report of what the quantization
//! cost.
//!
//! Everything is read through memory maps and converted a slice of rows at
//! a time, so a 1.5B model imports in well under 1.5 GB of memory whatever
//! the output type. The file is written by `engine::writer`, the same writer
//! the test models use, as `NAME.parcial` renamed when whole; the source
//! folder is only read.
//!
//! **Where we differ from llama.cpp.** The tensor names, shapes and header
//! keys are those of `convert_hf_to_gguf.py`, and the per-tensor types of
//! Q4_K_M and Q5_K_M are `llama-quantize`'s (`engine::writer::tensor_type`).
//! Two differences: the K-quant scales come from candle's quantizers, which
//! are ggml's reference `quantize_row_q*_K_ref` without an importance
//! matrix (as `llama-quantize` without `--imatrix`), and the pre-tokenizer
//! name (`tokenizer.ggml.pre`) is read from the tokenizer's split pattern
//! instead of from a hash of its output.
//!
//! ```no_run
//! use engine::writer::FileType;
//! use engine::CancelToken;
//!
//! let checkpoint = import::Checkpoint::open("qwen2.5-1.5b-epicrisis".as_ref(), None)?;
//! let request = import::Request {
//!     outputs: vec![(FileType::Q4KM, checkpoint.output_in("modelos".as_ref(), FileType::Q4KM))],
//!     report: Some(import::Corpus::clinical()),
//!     threads: None,
//! };
//! let done = import::run(&checkpoint, &request, &CancelToken::new(), &mut |p| {
//!     eprintln!("{:.0} % {}", p.share * 100.0, p.detail);
//! })?;
//! if let Some(report) = &done.report {
//!     print!("{}", report.render_text());
//! }
//! # Ok::<(), import::Error>(())
//! ```

use std::path::{Path, PathBuf};

use engine::writer::FileType;
use engine::CancelToken;
use serde::Serialize;

mod config;
mod convert;
mod error;
mod lora;
pub mod quality;
#[cfg(feature = "testing")]
pub mod testing;
mod weights;

pub use config::{HfConfig, SUPPORTED_CLASSES};
pub use convert::{ensure_space, Checkpoint, CheckpointSummary, Converted, Estimate, Progress};
pub use error::{Error, ErrorKind, Result};
pub use lora::AdapterSummary;
pub use quality::{Corpus, OutputQuality, QualityReport};
pub use weights::SourceType;

/// What to make of a checkpoint.
#[derive(Debug, Clone)]
pub struct Request {
    /// The files to write, one per type (see [`Checkpoint::output_in`]).
    pub outputs: Vec<(FileType, PathBuf)>,
    /// Measure the outputs on this text; `None` skips the report.
    pub report: Option<Corpus>,
    /// Compute threads; all cores when `None`.
    pub threads: Option<usize>,
}

/// Which step an import is in, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Writing an output file.
    Converting,
    /// Writing the unquantized reference the report compares with.
    Reference,
    /// Running the models on the text.
    Measuring,
}

/// How far an import got, for the window's progress bar.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportProgress {
    /// The step it is in.
    pub stage: Stage,
    /// 0 to 1 of the whole import.
    pub share: f32,
    /// The output type and tensor being written, or the model measured.
    pub detail: String,
}

/// What an import wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The files, one per type asked for.
    pub outputs: Vec<Converted>,
    /// How near each is to the unquantized weights, when measured.
    pub report: Option<QualityReport>,
    /// Where the report was saved (beside the first output).
    pub report_path: Option<PathBuf>,
}

/// Writes every requested type, then (if asked) the report. A failure or a
/// cancel removes every file this call wrote, so nothing half-made stays.
pub fn run(
    checkpoint: &Checkpoint,
    request: &Request,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Imported> {
    let mut written = Cleanup(Vec::new());
    let outs = &request.outputs;
    let Some((_, first)) = outs.first() else {
        return Ok(Imported {
            outputs: Vec::new(),
            report: None,
            report_path: None,
        });
    };
    let out_dir = first
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    for (_, out) in outs {
        if out.exists() {
            return Err(Error::OutputExists { path: out.clone() });
        }
    }
    // The reference is an output when one is unquantized; otherwise a
    // BF16 copy (exact for bf16 weights, the usual fine-tune) made for the
    // report and removed after it.
    let reference = request.report.as_ref().map(|_| {
        match outs
            .iter()
            .find(|(t, _)| matches!(t, FileType::F16 | FileType::Bf16 | FileType::F32))
        {
            Some((t, p)) => (*t, p.clone(), false),
            None => (
                FileType::Bf16,
                out_dir.join(format!(
                    ".referencia-{}",
                    checkpoint.file_name(FileType::Bf16)
                )),
                true,
            ),
        }
    });
    let mut needed: u64 = outs.iter().map(|(t, _)| checkpoint.output_size(*t)).sum();
    if let Some((t, _, true)) = &reference {
        needed += checkpoint.output_size(*t);
    }
    ensure_space(first, needed, free_space(&out_dir))?;

    let mut jobs: Vec<(Stage, FileType, PathBuf)> = outs
        .iter()
        .map(|(t, p)| (Stage::Converting, *t, p.clone()))
        .collect();
    if let Some((t, p, true)) = &reference {
        jobs.push((Stage::Reference, *t, p.clone()));
    }
    let measuring = if request.report.is_some() { 0.3 } else { 0.0 };
    let per_job = (1.0 - measuring) / jobs.len().max(1) as f32;
    let mut outputs = Vec::new();
    for (i, (stage, t, path)) in jobs.iter().enumerate() {
        let base = i as f32 * per_job;
        let converted = checkpoint.convert(*t, path, cancel, &mut |p| {
            progress(ImportProgress {
                stage: *stage,
                share: base + p.share * per_job,
                detail: format!("{} · {}", t.name(), p.tensor),
            })
        })?;
        written.0.push(path.clone());
        if *stage == Stage::Converting {
            outputs.push(converted);
        }
    }

    let mut report = None;
    let mut report_path = None;
    if let (Some(corpus), Some((ref_type, ref_path, temporary))) = (&request.report, &reference) {
        let start = 1.0 - measuring;
        let r = quality::measure(
            &checkpoint.name,
            (*ref_type, ref_path),
            outs,
            corpus,
            request.threads,
            cancel,
            &mut |s| {
                progress(ImportProgress {
                    stage: Stage::Measuring,
                    share: start + s.share * measuring,
                    detail: s.model,
                })
            },
        )?;
        if *temporary {
            let _ = std::fs::remove_file(ref_path);
            written.0.retain(|w| w != ref_path);
        }
        let path = QualityReport::path_for(first);
        r.save(&path)?;
        report_path = Some(path);
        report = Some(r);
    }
    // Whole: keep what was written.
    written.0.clear();
    Ok(Imported {
        outputs,
        report,
        report_path,
    })
}

/// Files an unfinished import wrote, removed when it fails or is cancelled.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Bytes free for an unprivileged user on the disk holding `path` (or its
/// nearest existing parent); `None` where the platform does not say.
pub fn free_space(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let mut dir = path;
        while !dir.exists() {
            dir = dir.parent()?;
        }
        let stat = rustix::fs::statvfs(dir).ok()?;
        Some(stat.f_bavail.saturating_mul(stat.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}
