//! Local inference for Epicrisis: loading quantized GGUF models (Qwen2,
//! Qwen3, Llama) with candle, the tokenizer and chat template, the KV cache,
//! sampling, streaming and cancellation, on CPU, CUDA or Metal.
//!
//! This crate is where every decision about speed and memory lives; nothing
//! clinical belongs here. The model runs on one worker thread that owns it,
//! because candle's forward pass takes `&mut self`.
//!
//! The crate is being built under the engine issue; until it lands the app
//! and the command line use the deterministic draft from `clinical`.
