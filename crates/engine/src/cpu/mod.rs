//! The CPU path: a decoder over the GGUF weights as the file stores them,
//! memory-mapped, with our own quantized kernels.
//!
//! Why not candle's CPU ops: at batch 1 a decode step is a stream over every
//! weight, and the engine that streams fewer bytes with fewer stalls wins.
//! candle keeps a repacked copy of Q4_K beside the original (2.3× the
//! weights in memory, tiles a third larger to read), has no fast kernel for
//! Q5_0/Q4_1, and spends a token's time in ~30 graph ops per layer. Here the
//! activations are quantized once per layer input (Q8_0 or Q8_K, as ggml
//! does), integer dot products run on the blocks in place, matrices that
//! share an input run as one parallel pass, and every buffer is reused.
//! candle stays for the GPU paths and for the reference in the tests.
//!
//! Layout: [`quant`] (formats, scalar reference), [`raw`] (the only
//! `unsafe`: AVX2 kernels, the memory map), [`matmul`] (weights × tokens on
//! the compute pool), [`decoder`] (the forward pass and its KV cache),
//! `awake` (the pool's workers kept polling during a pass).

mod awake;
pub mod decoder;
pub mod interleave;
pub mod loops;
pub mod matmul;
pub mod quant;
pub mod raw;

pub use decoder::{CacheFormat, CpuModel};
