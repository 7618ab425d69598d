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

/// `out[r · tokens + t]` for every row of the regrouped Q4_K groups in
/// `data` (see [`crate::cpu::interleave`]), `blocks` super-blocks per row:
/// the AVX-512 VNNI kernel where it runs, else the scalar reference.
pub fn dot_q4k_x8(data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
    use crate::cpu::interleave::{dot_group_scalar, GROUP_BLOCK, ROWS};
    let group = blocks * GROUP_BLOCK;
    assert!(group > 0 && data.len().is_multiple_of(group));
    assert!(acts.iter().all(|a| a.len() >= blocks));
    assert_eq!(out.len(), data.len() / group * ROWS * acts.len());
    #[cfg(target_arch = "x86_64")]
    if level() == Level::Avx512 {
        // SAFETY: AVX-512 F/BW/VL and VNNI were detected at run time; the
        // lengths the kernel indexes by were asserted above.
        unsafe { x86::avx512::dot_q4k_x8(data, blocks, acts, out) };
        return;
    }
    let n = acts.len();
    for (g, chunk) in data.chunks_exact(group).enumerate() {
        dot_group_scalar(chunk, acts, &mut out[g * ROWS * n..(g + 1) * ROWS * n]);
    }
}

/// As [`dot_q4k_x8`], for regrouped Q8_0 rows and Q8 activations.
pub fn dot_q8_0_x8(data: &[u8], blocks: usize, acts: &[&[Q8Block]], out: &mut [f32]) {
    use crate::cpu::interleave::{dot_q8_group_scalar, Q8_GROUP_BLOCK, ROWS};
    let group = blocks * Q8_GROUP_BLOCK;
    assert!(group > 0 && data.len().is_multiple_of(group));
    assert!(acts.iter().all(|a| a.len() >= blocks));
    assert_eq!(out.len(), data.len() / group * ROWS * acts.len());
    #[cfg(target_arch = "x86_64")]
    if level() == Level::Avx512 {
        // SAFETY: as in `dot_q4k_x8`.
        unsafe { x86::avx512::dot_q8_0_x8(data, blocks, acts, out) };
        return;
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
