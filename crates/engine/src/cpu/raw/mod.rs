//! The only code in the workspace allowed `unsafe`: the x86-64 kernels
//! (AVX2, and AVX-512 VNNI with the regrouped layouts of
//! [`crate::cpu::interleave`]) and the read-only memory map of a model file. Everything here is reached
//! through safe functions that check what the unsafe blocks rely on
//! (slice lengths, CPU features detected at run time).
//!
//! Each kernel computes the dot products of one weight row with up to four
//! tokens' activations in one pass over the row, so a batch reads and
//! unpacks each weight once; each token's sum is accumulated in its own
//! registers in the same order whatever the batch, so a row gives the same
//! bits alone or in a batch (the lookup decoder and prefix reuse rely on it).
#![allow(unsafe_code)]

mod map;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use map::Mapped;

use super::quant::{self, Format, Q8Block, Q8KBlock};

/// Tokens one kernel call handles at once.
pub const TILE: usize = 4;

/// Which kernels this CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The portable scalar reference.
    Scalar,
    /// AVX2 + FMA + F16C (x86-64-v3).
    Avx2,
    /// AVX-512 F/BW/VL with VNNI.
    Avx512,
}

impl Level {
    /// Its name in logs and the support screen.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "escalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512-vnni",
        }
    }
}

/// The best kernels this CPU can run; detected once.
pub fn level() -> Level {
    use std::sync::OnceLock;
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let avx2 = has!("avx2") && has!("fma") && has!("f16c");
        let avx512 = has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512vnni");
        if avx2 && avx512 && std::env::var_os("EPICRISIS_NO_AVX512").is_none() {
            return Level::Avx512;
        }
        if avx2 {
            return Level::Avx2;
        }
    }
    Level::Scalar
}

/// The levels this CPU can run, for tests that hold each to the reference.
pub fn available_levels() -> Vec<Level> {
    let best = detect();
    [Level::Scalar, Level::Avx2, Level::Avx512]
        .into_iter()
        .filter(|l| *l <= best)
        .collect()
}

/// Runs a small loop `f` compiled for AVX2 + FMA when this CPU has them
/// (see `x86::with_avx2`), else as built. The gain comes from `f` and what
/// it calls being inlined into the AVX2 function, which the compiler does
/// for small closures only (mark their helpers `#[inline(always)]`); a
/// large body is a [`Vectorised`] for [`run_vectorised`].
#[inline(always)]
pub fn vectorised<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        // SAFETY: `level` found AVX2, FMA and F16C on this CPU.
        return unsafe { x86::with_avx2(f) };
    }
    f()
}

/// `a` · `b`, as [`crate::cpu::loops::dot`], compiled for this CPU.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "dot of unequal lengths");
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        // SAFETY: `level` found AVX2, FMA and F16C on this CPU.
        return unsafe { x86::f32_loops::dot(a, b) };
    }
    super::loops::dot(a, b)
}

/// As [`crate::cpu::loops::dot4`], compiled for this CPU.
#[inline]
pub fn dot4(q: &[f32], keys: &[f32]) -> [f32; 4] {
    assert!(keys.len() >= 4 * q.len(), "dot4 needs four keys");
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        // SAFETY: as in `dot`.
        return unsafe { x86::f32_loops::dot4(q, keys) };
    }
    super::loops::dot4(q, keys)
}

/// As [`crate::cpu::loops::weighted_sum`], compiled for this CPU.
#[inline]
pub fn weighted_sum(p: &[f32], values: &[f32], hd: usize, out: &mut [f32]) {
    assert!(
        out.len() == hd && values.len() >= p.len() * hd,
        "weighted_sum shapes"
    );
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        // SAFETY: as in `dot`.
        return unsafe { x86::f32_loops::weighted_sum(p, values, hd, out) };
    }
    super::loops::weighted_sum(p, values, hd, out)
}

/// The KV cache's f16 widened to f32 (`half`'s own conversion calls a
/// function per eight values; this is one loop).
#[inline]
pub fn f16_to_f32(from: &[half::f16], to: &mut [f32]) {
    use half::slice::HalfFloatSliceExt;
    assert_eq!(from.len(), to.len(), "f16_to_f32 lengths");
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        // SAFETY: as in `dot`.
        return unsafe { x86::f32_loops::f16_to_f32(from.reinterpret_cast(), to) };
    }
    from.convert_to_f32_slice(to);
}

/// f32 narrowed to the KV cache's f16, rounding to nearest even.
#[inline]
pub fn f32_to_f16(from: &[f32], to: &mut [half::f16]) {
    use half::slice::HalfFloatSliceExt;
    assert_eq!(from.len(), to.len(), "f32_to_f16 lengths");
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        let bits: &mut [u16] = to.reinterpret_cast_mut();
        // SAFETY: as in `dot`.
        return unsafe { x86::f32_loops::f32_to_f16(from, bits) };
    }
    to.convert_from_f32_slice(from);
}

/// A loop with a large body, run by [`run_vectorised`]. Implement `run`
/// with `#[inline(always)]`: its body is then compiled into each of the
/// two callers, once for AVX2 + FMA and once for the build's baseline (a
/// closure would be compiled once, for the baseline, and called).
pub trait Vectorised {
    /// What the loop returns.
    type Output;
    /// The loop's body.
    fn run(self) -> Self::Output;
}

/// Runs `v` as compiled for AVX2 + FMA when this CPU has them.
#[inline(always)]
pub fn run_vectorised<V: Vectorised>(v: V) -> V::Output {
    #[cfg(target_arch = "x86_64")]
    if level() >= Level::Avx2 {
        // SAFETY: `level` found AVX2, FMA and F16C on this CPU.
        return unsafe { x86::run_avx2(v) };
    }
    v.run()
}

/// `out[r · tokens + t]` = row `r` · `acts[t]`, for the consecutive rows
/// of a legacy-format matrix (Q4_0 … Q8_0) in `rows`.
///
/// Panics when the shapes disagree (a caller's bug, never a file's: shapes
/// are checked at load).
pub fn dot_q8(f: Format, rows: &[u8], row_bytes: usize, acts: &[&[Q8Block]], out: &mut [f32]) {
    dot_q8_at(level(), f, rows, row_bytes, acts, out);
}

fn dot_q8_at(
    level: Level,
    f: Format,
    rows: &[u8],
    row_bytes: usize,
    acts: &[&[Q8Block]],
    out: &mut [f32],
) {
    let blocks = row_bytes / f.block_bytes();
    check(rows, row_bytes, f.block_bytes(), acts, blocks, out);
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: `level` is at most what `detect` found on this CPU, so
        // the features the kernel is compiled for are present; `check`
        // asserted every length the kernel indexes by.
        Level::Avx512 => return unsafe { x86::avx512::dot_q8(f, rows, row_bytes, acts, out) },
        // SAFETY: as above.
        Level::Avx2 => return unsafe { x86::avx2::dot_q8(f, rows, row_bytes, acts, out) },
        Level::Scalar => {}
    }
    for (row, o) in rows.chunks_exact(row_bytes).zip(out.chunks_mut(acts.len())) {
        for (a, o) in acts.iter().zip(o.iter_mut()) {
            *o = quant::dot_q8(f, row, a);
        }
    }
}

/// As [`dot_q8`], for a k-quant matrix (Q4_K, Q5_K, Q6_K).
pub fn dot_q8k(f: Format, rows: &[u8], row_bytes: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
    dot_q8k_at(level(), f, rows, row_bytes, acts, out);
}

fn dot_q8k_at(
    level: Level,
    f: Format,
    rows: &[u8],
    row_bytes: usize,
    acts: &[&[Q8KBlock]],
    out: &mut [f32],
) {
    let blocks = row_bytes / f.block_bytes();
    check(rows, row_bytes, f.block_bytes(), acts, blocks, out);
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: as in `dot_q8_at`.
        Level::Avx512 => return unsafe { x86::avx512::dot_q8k(f, rows, row_bytes, acts, out) },
        // SAFETY: as in `dot_q8_at`.
        Level::Avx2 => return unsafe { x86::avx2::dot_q8k(f, rows, row_bytes, acts, out) },
        Level::Scalar => {}
    }
    for (row, o) in rows.chunks_exact(row_bytes).zip(out.chunks_mut(acts.len())) {
        for (a, o) in acts.iter().zip(o.iter_mut()) {
            *o = quant::dot_q8k(f, row, a);
        }
    }
}

/// As [`dot_q8`], for an F32, F16 or BF16 matrix and f32 activations.
pub fn dot_float(f: Format, rows: &[u8], row_bytes: usize, acts: &[&[f32]], out: &mut [f32]) {
    dot_float_at(level(), f, rows, row_bytes, acts, out);
}

fn dot_float_at(
    level: Level,
    f: Format,
    rows: &[u8],
    row_bytes: usize,
    acts: &[&[f32]],
    out: &mut [f32],
) {
    let width = if f == Format::F32 { 4 } else { 2 };
    let cols = row_bytes / width;
    check(rows, row_bytes, width, acts, cols, out);
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: as in `dot_q8_at`.
        Level::Avx512 => return unsafe { x86::avx512::dot_float(f, rows, row_bytes, acts, out) },
        // SAFETY: as in `dot_q8_at`.
        Level::Avx2 => return unsafe { x86::avx2::dot_float(f, rows, row_bytes, acts, out) },
        _ => {}
    }
    for (row, o) in rows.chunks_exact(row_bytes).zip(out.chunks_mut(acts.len())) {
        for (a, o) in acts.iter().zip(o.iter_mut()) {
            *o = quant::dot_float(f, row, a);
        }
    }
}

/// Whether this CPU's kernels read `format` regrouped eight rows at a time
/// ([`crate::cpu::interleave`]): every regrouped layout on AVX-512 VNNI;
/// Q4_K, Q8_0 and Q5_0 on AVX2, where `maddubs` takes the place of
/// `vpdpbusd` (Q8_0 with the weights' sign moved onto the activations).
/// A Q6_K kernel in this shape, whose values need widening at every step,
/// made a 1.5B Q4_K_M prefill 81 → 66 t/s, so Q6_K keeps its row kernel
/// there. Q5_0 regrouped takes Q8_0's 34 bytes per block instead of its 22:
/// on AVX2 the 0.5B Q4_K_M file's prefill went 121 → 180 t/s and its decode
/// 32.3 → 30.7, which is still 1.25× llama.cpp's.
pub fn regroups(format: Format) -> bool {
    match level() {
        Level::Avx512 => matches!(
            format,
            Format::Q4K | Format::Q6K | Format::Q8_0 | Format::Q5_0
        ),
        Level::Avx2 => matches!(format, Format::Q4K | Format::Q8_0 | Format::Q5_0),
        Level::Scalar => false,
    }
}

/// `out[r · tokens + t]` for every row of the regrouped Q4_K groups in
/// `data` (see [`crate::cpu::interleave`]), `blocks` super-blocks per row:
/// the AVX-512 VNNI or the AVX2 kernel where it runs, else the scalar
/// reference.
pub fn dot_q4k_x8(data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
    dot_q4k_x8_at(level(), data, blocks, acts, out);
}

fn dot_q4k_x8_at(level: Level, data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
    use crate::cpu::interleave::{dot_group_scalar, GROUP_BLOCK, ROWS};
    let group = blocks * GROUP_BLOCK;
    assert!(group > 0 && data.len().is_multiple_of(group));
    assert!(acts.iter().all(|a| a.len() >= blocks));
    assert_eq!(out.len(), data.len() / group * ROWS * acts.len());
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: `level` is at most what `detect` found on this CPU (AVX-512
        // F/BW/VL and VNNI here); the lengths the kernel indexes by were
        // asserted above.
        Level::Avx512 => return unsafe { x86::avx512::dot_q4k_x8(data, blocks, acts, out) },
        // SAFETY: as above, with AVX2, FMA and F16C.
        Level::Avx2 => return unsafe { x86::avx2::dot_q4k_x8(data, blocks, acts, out) },
        Level::Scalar => {}
    }
    let n = acts.len();
    for (g, chunk) in data.chunks_exact(group).enumerate() {
        dot_group_scalar(chunk, acts, &mut out[g * ROWS * n..(g + 1) * ROWS * n]);
    }
}

/// As [`dot_q4k_x8`], for regrouped Q8_0 rows and Q8 activations.
pub fn dot_q8_0_x8(data: &[u8], blocks: usize, acts: &[&[Q8Block]], out: &mut [f32]) {
    dot_q8_0_x8_at(level(), data, blocks, acts, out);
}

fn dot_q8_0_x8_at(level: Level, data: &[u8], blocks: usize, acts: &[&[Q8Block]], out: &mut [f32]) {
    use crate::cpu::interleave::{dot_q8_group_scalar, Q8_GROUP_BLOCK, ROWS};
    let group = blocks * Q8_GROUP_BLOCK;
    assert!(group > 0 && data.len().is_multiple_of(group));
    assert!(acts.iter().all(|a| a.len() >= blocks));
    assert_eq!(out.len(), data.len() / group * ROWS * acts.len());
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: as in `dot_q4k_x8_at`.
        Level::Avx512 => return unsafe { x86::avx512::dot_q8_0_x8(data, blocks, acts, out) },
        // SAFETY: as in `dot_q4k_x8_at`.
        Level::Avx2 => return unsafe { x86::avx2::dot_q8_0_x8(data, blocks, acts, out) },
        Level::Scalar => {}
    }
    let n = acts.len();
    for (g, chunk) in data.chunks_exact(group).enumerate() {
        dot_q8_group_scalar(chunk, acts, &mut out[g * ROWS * n..(g + 1) * ROWS * n]);
    }
}

/// As [`dot_q4k_x8`], for regrouped Q6_K rows.
pub fn dot_q6k_x8(data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
    use crate::cpu::interleave::{dot_q6_group_scalar, Q6_GROUP_BLOCK, ROWS};
    let group = blocks * Q6_GROUP_BLOCK;
    assert!(group > 0 && data.len().is_multiple_of(group));
    assert!(acts.iter().all(|a| a.len() >= blocks));
    assert_eq!(out.len(), data.len() / group * ROWS * acts.len());
    #[cfg(target_arch = "x86_64")]
    if level() == Level::Avx512 {
        // SAFETY: as in `dot_q4k_x8`.
        unsafe { x86::avx512::dot_q6k_x8(data, blocks, acts, out) };
        return;
    }
    let n = acts.len();
    for (g, chunk) in data.chunks_exact(group).enumerate() {
        dot_q6_group_scalar(chunk, acts, &mut out[g * ROWS * n..(g + 1) * ROWS * n]);
    }
}

fn check<T>(rows: &[u8], row_bytes: usize, unit: usize, acts: &[&[T]], units: usize, out: &[f32]) {
    assert!(
        row_bytes > 0 && row_bytes.is_multiple_of(unit) && rows.len().is_multiple_of(row_bytes)
    );
    assert!(acts.iter().all(|a| a.len() >= units));
    assert_eq!(out.len(), rows.len() / row_bytes * acts.len());
}

#[cfg(test)]
mod tests;
