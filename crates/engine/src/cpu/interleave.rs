//! Q4_K, Q6_K and Q8_0 rows regrouped eight at a time, for the AVX-512 VNNI
//! kernels, and Q4_K and Q8_0 for the AVX2 ones (`raw::regroups` says which).
//!
//! Why: with the rows as stored, each (row, token) dot product needs two
//! instructions per 32 weights (`maddubs`, then `madd` by the sub-block's
//! scale) and a horizontal sum per row. With eight rows side by side, one
//! `vpdpbusd` multiplies 4 weights of each of 8 rows by the same 4
//! activations (broadcast), the sub-block scales are applied once per 8
//! rows, and the 8 results come out in the lanes of one register: prefill,
//! where the same weights meet many tokens, is bound by these instructions.
//! The regrouped copy replaces the mapped rows (it is not kept beside them),
//! and is made only where that kernel runs.
//!
//! Q8_0 groups are the same size as the rows they hold: per block of 32,
//! `d[8]` (f16), then for each 4-byte piece `p` (0–7) the 4 weights of rows
//! 0–7 in turn, each stored + 128 (unsigned, as `vpdpbusd` wants them; the
//! kernel takes 128·Σa back out).
//!
//! Layout of one Q4_K group of 8 rows and one super-block (1,184 bytes, 3 %
//! more than the rows it holds; decode streams every byte, so size is speed):
//! `d[8]`, `dmin[8]` (f16), `scales[8 sub-blocks][8 rows]` (u8), the
//! minimums in pairs `[4 pairs][8 rows][2]` (u8; the kernel widens each
//! 16-byte pair row to i16 for `vpdpwssd`), then the nibbles: for each 32-byte chunk
//! `c` (0–3) of the original block and each 4-byte piece `p` (0–7), the 4
//! bytes of rows 0–7 in turn.

use rayon::prelude::*;

use super::quant::{f16_at, legacy_values, scales_mins_k4, Format, Q8KBlock, QK_K};

/// Rows per regrouped group.
pub const ROWS: usize = 8;
/// Bytes of one Q4_K group of 8 rows and one super-block.
pub const GROUP_BLOCK: usize = 32 + 64 + 64 + 1024;
/// Bytes of one Q8_0 group of 8 rows and one block of 32.
pub const Q8_GROUP_BLOCK: usize = 16 + 256;

/// Regroups a `(rows, cols)` Q8_0 matrix; `rows` a multiple of 8.
pub fn regroup_q8_0(bytes: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    regroup_as_q8_0(Format::Q8_0, bytes, rows, cols)
}

/// Regroups a Q8_0 or Q5_0 matrix into the Q8_0 layout above: Q5_0's
/// values (−16…15) and scale are kept exactly, in 34 bytes per block of 32
/// instead of 22, so its products are those of its own kernel, on the
/// faster one. (Q5_0 is Q4_K_M's fallback for rows that are not whole
/// super-blocks: most of the 0.5B file's attention and MLP.)
pub fn regroup_as_q8_0(format: Format, bytes: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    let blocks = cols / 32;
    let src_block = format.block_bytes();
    let row_bytes = blocks * src_block;
    let mut out = vec![0u8; rows / ROWS * blocks * Q8_GROUP_BLOCK];
    out.par_chunks_exact_mut(blocks * Q8_GROUP_BLOCK)
        .enumerate()
        .for_each(|(g, group)| {
            for (blk, dst) in group.chunks_exact_mut(Q8_GROUP_BLOCK).enumerate() {
                for r in 0..ROWS {
                    let at = (g * ROWS + r) * row_bytes + blk * src_block;
                    let b = &bytes[at..at + src_block];
                    // Both formats keep their f16 scale in the first 2 bytes.
                    dst[2 * r..2 * r + 2].copy_from_slice(&b[0..2]);
                    if format == Format::Q8_0 {
                        // i8 + 128 as u8 is the byte with its top bit
                        // flipped: a copy, where the generic decode below
                        // made a warm load of the Q8_0 file 1.1–3.4 s.
                        for (p, q) in b[2..34].chunks_exact(4).enumerate() {
                            let four = u32::from_le_bytes([q[0], q[1], q[2], q[3]]) ^ 0x8080_8080;
                            let to = 16 + 32 * p + 4 * r;
                            dst[to..to + 4].copy_from_slice(&four.to_le_bytes());
                        }
                        continue;
                    }
                    let (values, _, _) = legacy_values(format, b);
                    for p in 0..8 {
                        for i in 0..4 {
                            dst[16 + 32 * p + 4 * r + i] = (values[4 * p + i] + 128) as u8;
                        }
                    }
                }
            }
        });
    out
}

/// Bytes of one Q6_K group of 8 rows and one super-block (8 × 210).
pub const Q6_GROUP_BLOCK: usize = 16 + 128 + 2 * 8 * 96;
const Q6_BLOCK: usize = 210;

/// Regroups a `(rows, cols)` Q6_K matrix; `rows` a multiple of 8. Per
/// group and super-block: `d[8]` (f16), `scales[16][8]` (i8), then for each
/// half `h` and 4-byte piece `p`: rows 0–7 of `ql[64h + 4p..]`, of
/// `ql[64h + 32 + 4p..]` and of `qh[32h + 4p..]`, 32 bytes each.
pub fn regroup_q6k(bytes: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    let blocks = cols / QK_K;
    let row_bytes = blocks * Q6_BLOCK;
    let mut out = vec![0u8; rows / ROWS * blocks * Q6_GROUP_BLOCK];
    out.par_chunks_exact_mut(blocks * Q6_GROUP_BLOCK)
        .enumerate()
        .for_each(|(g, group)| {
            for (sb, dst) in group.chunks_exact_mut(Q6_GROUP_BLOCK).enumerate() {
                for r in 0..ROWS {
                    let at = (g * ROWS + r) * row_bytes + sb * Q6_BLOCK;
                    let b = &bytes[at..at + Q6_BLOCK];
                    dst[2 * r..2 * r + 2].copy_from_slice(&b[208..210]);
                    for j in 0..16 {
                        dst[16 + 8 * j + r] = b[192 + j];
                    }
                    for h in 0..2 {
                        for p in 0..8 {
                            let base = 144 + (h * 8 + p) * 96 + 4 * r;
                            let (ql, qh) = (64 * h + 4 * p, 128 + 32 * h + 4 * p);
                            dst[base..base + 4].copy_from_slice(&b[ql..ql + 4]);
                            dst[base + 32..base + 36].copy_from_slice(&b[ql + 32..ql + 36]);
                            dst[base + 64..base + 68].copy_from_slice(&b[qh..qh + 4]);
                        }
                    }
                }
            }
        });
    out
}

/// The 6-bit value (0–63, stored + 32) at position `i` of row `lane` of a
/// regrouped Q6_K super-block.
fn q6_value(blk: &[u8], lane: usize, i: usize) -> i32 {
    let (h, k, l) = (i / 128, (i % 128) / 32, i % 32);
    let (p, b) = (l / 4, l % 4);
    let base = 144 + (h * 8 + p) * 96 + 4 * lane + b;
    let ql = blk[base + 32 * (k % 2)];
    let qh = blk[base + 64];
    let low = if k < 2 { ql & 0xF } else { ql >> 4 };
    (low | (((qh >> (2 * k)) & 3) << 4)) as i32
}

/// Row `lane` of one regrouped Q6_K group, dequantized (a tied table's
/// embedding lookup).
pub fn dequantize_q6k_row(group: &[u8], lane: usize, out: &mut [f32]) {
    for (blk, o) in group
        .chunks_exact(Q6_GROUP_BLOCK)
        .zip(out.chunks_exact_mut(QK_K))
    {
        let d = f16_at(blk, 2 * lane);
        for (i, o) in o.iter_mut().enumerate() {
            let sc = blk[16 + 8 * (i / 16) + lane] as i8 as f32;
            *o = d * sc * (q6_value(blk, lane, i) - 32) as f32;
        }
    }
}

/// The scalar reference for one regrouped Q6_K group: `out[r · tokens + t]`.
pub fn dot_q6_group_scalar(group: &[u8], acts: &[&[Q8KBlock]], out: &mut [f32]) {
    let n = acts.len();
    for r in 0..ROWS {
        for (t, a) in acts.iter().enumerate() {
            let mut acc = 0f32;
            for (blk, a) in group.chunks_exact(Q6_GROUP_BLOCK).zip(a.iter()) {
                let mut s = 0i32;
                for g in 0..16 {
                    let part: i32 = (0..16)
                        .map(|l| (q6_value(blk, r, 16 * g + l) - 32) * a.qs[16 * g + l] as i32)
                        .sum();
                    s += blk[16 + 8 * g + r] as i8 as i32 * part;
                }
                acc += f16_at(blk, 2 * r) * a.d * s as f32;
            }
            out[r * n + t] = acc;
        }
    }
}

/// Row `lane` of one regrouped Q8_0 group, dequantized (the embedding
/// lookup of a tied table).
pub fn dequantize_q8_0_row(group: &[u8], lane: usize, out: &mut [f32]) {
    for (blk, o) in group
        .chunks_exact(Q8_GROUP_BLOCK)
        .zip(out.chunks_exact_mut(32))
    {
        let d = f16_at(blk, 2 * lane);
        for p in 0..8 {
            for i in 0..4 {
                o[4 * p + i] = d * (blk[16 + 32 * p + 4 * lane + i] as i32 - 128) as f32;
            }
        }
    }
}

/// The scalar reference for one regrouped Q8_0 group: `out[r · tokens + t]`.
pub fn dot_q8_group_scalar(group: &[u8], acts: &[&[super::quant::Q8Block]], out: &mut [f32]) {
    let n = acts.len();
    for r in 0..ROWS {
        for (t, a) in acts.iter().enumerate() {
            let mut acc = 0f32;
            for (blk, a) in group.chunks_exact(Q8_GROUP_BLOCK).zip(a.iter()) {
                let mut s = 0i32;
                for p in 0..8 {
                    for i in 0..4 {
                        s += blk[16 + 32 * p + 4 * r + i] as i32 * a.qs[4 * p + i] as i32;
                    }
                }
                s -= 128 * a.qsum;
                acc += f16_at(blk, 2 * r) * a.d * s as f32;
            }
            out[r * n + t] = acc;
        }
    }
}
const Q4K_BLOCK: usize = 144;

/// Regroups a `(rows, cols)` Q4_K matrix; `rows` must be a multiple of 8
/// and `bytes` exactly the matrix.
pub fn regroup_q4k(bytes: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    let blocks = cols / QK_K;
    let row_bytes = blocks * Q4K_BLOCK;
    let mut out = vec![0u8; rows / ROWS * blocks * GROUP_BLOCK];
    out.par_chunks_exact_mut(blocks * GROUP_BLOCK)
        .enumerate()
        .for_each(|(g, group)| {
            for (sb, dst) in group.chunks_exact_mut(GROUP_BLOCK).enumerate() {
                for r in 0..ROWS {
                    let at = (g * ROWS + r) * row_bytes + sb * Q4K_BLOCK;
                    let b = &bytes[at..at + Q4K_BLOCK];
                    dst[2 * r..2 * r + 2].copy_from_slice(&b[0..2]);
                    dst[16 + 2 * r..16 + 2 * r + 2].copy_from_slice(&b[2..4]);
                    let (sc, mn) = scales_mins_k4(&b[4..16]);
                    for j in 0..8 {
                        dst[32 + 8 * j + r] = sc[j];
                        // Minimums in pairs (j even, j odd) per row.
                        dst[96 + 16 * (j / 2) + 2 * r + j % 2] = mn[j];
                    }
                    for c in 0..4 {
                        for p in 0..8 {
                            let to = 160 + (c * 8 + p) * 32 + 4 * r;
                            let from = 16 + 32 * c + 4 * p;
                            dst[to..to + 4].copy_from_slice(&b[from..from + 4]);
                        }
                    }
                }
            }
        });
    out
}

/// The scalar reference for one group: `out[r · tokens + t]` for its 8
/// rows, with the arithmetic of `quant::dot_q8k` (integer sums, one f32
/// product per block).
pub fn dot_group_scalar(group: &[u8], acts: &[&[Q8KBlock]], out: &mut [f32]) {
    let n = acts.len();
    for r in 0..ROWS {
        for (t, a) in acts.iter().enumerate() {
            let mut acc = 0f32;
            for (sb, blk) in group.chunks_exact(GROUP_BLOCK).enumerate() {
                let a = &a[sb];
                let (d, dmin) = (f16_at(blk, 2 * r), f16_at(blk, 16 + 2 * r));
                let mut s = 0i32;
                let mut m = 0i32;
                for j in 0..8 {
                    let (c, high) = (j / 2, j % 2 == 1);
                    let mut part = 0i32;
                    for i in 0..32 {
                        let (p, b) = (i / 4, i % 4);
                        let byte = blk[160 + (c * 8 + p) * 32 + 4 * r + b];
                        let q = if high { byte >> 4 } else { byte & 0xF };
                        part += q as i32 * a.qs[32 * j + i] as i32;
                    }
                    s += blk[32 + 8 * j + r] as i32 * part;
                    m += blk[96 + 16 * (j / 2) + 2 * r + j % 2] as i32
                        * (a.bsums[2 * j] as i32 + a.bsums[2 * j + 1] as i32);
                }
                acc += a.d * d * s as f32 - a.d * dmin * m as f32;
            }
            out[r * n + t] = acc;
        }
    }
}
