#![warn(missing_docs)]
//! Local inference for Epicrisis: quantized GGUF models (Qwen2, Qwen3,
//! Llama) run from the mapped file by our own CPU kernels (`cpu`), or on
//! candle for CUDA and Metal, with their tokenizer and chat template, a KV cache
//! allocated once and reused across requests that share a prefix, seeded
//! sampling, streaming and cancellation, on CPU, CUDA or Metal.
//!
//! This crate is where every decision about speed and memory lives; nothing
//! clinical belongs here. The model runs on one worker thread that owns it
//! ([`Engine`]), because candle's forward pass takes `&mut self` and a
//! generation runs for seconds while the UI stays responsive.
//!
//! ```no_run
//! use engine::{CancelToken, ChatMessage, Engine, Event, LoadOptions, Prompt, Request, Role, Sampling};
//!
//! let options = LoadOptions { model: "qwen2.5-1.5b-instruct-q4_k_m.gguf".into(), ..Default::default() };
//! let engine = Engine::start(options, CancelToken::new())?;
//! let request = Request {
//!     prompt: Prompt::Chat(vec![ChatMessage::new(Role::User, "Resuma: neumonía tratada con ceftriaxona.")]),
//!     sampling: Sampling::default(),
//! };
//! for event in engine.generate(request)?.events {
//!     match event {
//!         Event::Token { text_delta, .. } => print!("{text_delta}"),
//!         Event::Finished { reason, stats } => eprintln!("\n{reason:?}: {:.1} tok/s", stats.decode_tok_s),
//!         Event::Failed { error } => eprintln!("\n{error}"),
//!         Event::Started { .. } => {}
//!     }
//! }
//! # Ok::<(), engine::Error>(())
//! ```

pub mod bench;
pub mod cpu;
pub mod device;
mod error;
pub mod facts;
pub mod fingerprint;
pub mod gguf;
pub mod model;
pub mod perplexity;
pub mod sampler;
pub mod session;
pub mod stream;
#[cfg(feature = "synthetic")]
pub mod synthetic;
pub mod template;
pub mod tokenizer;
mod worker;
pub mod writer;

pub use device::{cpu_problem, DeviceChoice};

/// This engine's version, for the support screen.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The CPU kernels this machine runs ("avx512-vnni", "avx2" or "escalar").
pub fn cpu_kernels() -> &'static str {
    cpu::raw::level().name()
}
pub use error::{Error, ErrorKind, Result};
pub use facts::{Architecture, MemoryEstimate, ModelFacts};
pub use model::LoadWatch;
pub use sampler::Sampling;
pub use session::{
    compute_pool, CancelToken, Event, FinishReason, LoadOptions, LoadedInfo, Session, Stats,
    DEFAULT_CONTEXT,
};
pub use template::{ChatMessage, ChatTemplate, Role};
pub use tokenizer::TextTokenizer;
pub use worker::{Engine, Generation, Prompt, Request};

/// Checks a model file without loading its weights: header, every tensor's
/// data inside the file, a supported architecture and tensor types, and a
/// tokenizer whose vocabulary fits the embedding table.
pub fn inspect(model: &std::path::Path, tokenizer: Option<&std::path::Path>) -> Result<ModelFacts> {
    let (facts, file) = ModelFacts::read(model)?;
    model::check_tensors(&file, facts.architecture, &facts.hyper)?;
    TextTokenizer::for_model(&file, tokenizer)?;
    Ok(facts)
}
