//! Weight matrices as the file stores them, and their products with a
//! batch of tokens' activations, split by rows across the compute pool.
//!
//! Activations are quantized once per layer input ([`Acts`]) and shared by
//! every matrix that reads that input (q/k/v, gate/up), which run as one
//! parallel pass ([`matmul`] takes several weights). Each (row, token) dot
//! product is computed by the same kernel code whatever the batch, so the
//! result does not depend on how many tokens were run together.

use std::sync::Arc;

use rayon::prelude::*;

use super::interleave;
use super::quant::{self, ActKind, Format, Q8Block, Q8KBlock};
use super::raw::{self, Mapped};

/// Where a weight's bytes live: in the mapped file, or in memory when the
/// file's type had to be converted at load.
enum Bytes {
    Mapped {
        map: Arc<Mapped>,
        start: usize,
        len: usize,
    },
    Owned(Vec<u8>),
}

/// A `(rows, cols)` matrix of one format, row-major in whole blocks.
pub struct Weight {
    /// How its blocks are stored.
    pub format: Format,
    /// Rows (outputs).
    pub rows: usize,
    /// Columns (inputs).
    pub cols: usize,
    row_bytes: usize,
    bytes: Bytes,
    layout: Layout,
}

/// How a weight's rows are laid out in its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// As the file stores them.
    Rows,
    /// Regrouped eight at a time for the VNNI kernels (`cpu::interleave`).
    Grouped,
}

impl Weight {
    /// `None` when the slice does not hold exactly `rows` rows of `cols`.
    pub fn mapped(
        format: Format,
        rows: usize,
        cols: usize,
        map: Arc<Mapped>,
        start: usize,
    ) -> Option<Weight> {
        let row_bytes = format.row_bytes(cols)?;
        let len = rows.checked_mul(row_bytes)?;
        if start.checked_add(len)? > map.bytes().len() {
            return None;
        }
        Some(Weight {
            format,
            rows,
            cols,
            row_bytes,
            bytes: Bytes::Mapped { map, start, len },
            layout: Layout::Rows,
        })
    }

    /// A Q4_K, Q6_K or Q8_0 matrix regrouped by [`interleave`].
    fn regrouped(format: Format, rows: usize, cols: usize, data: Vec<u8>) -> Option<Weight> {
        let group_block = match format {
            Format::Q4K => interleave::GROUP_BLOCK,
            Format::Q6K => interleave::Q6_GROUP_BLOCK,
            Format::Q8_0 => interleave::Q8_GROUP_BLOCK,
            _ => return None,
        };
        let blocks = cols / format.block_values();
        let ok = rows.is_multiple_of(interleave::ROWS)
            && cols.is_multiple_of(format.block_values())
            && data.len() == rows / interleave::ROWS * blocks * group_block;
        ok.then_some(Weight {
            format,
            rows,
            cols,
            row_bytes: blocks * format.block_bytes(),
            bytes: Bytes::Owned(data),
            layout: Layout::Grouped,
        })
    }

    /// The rows as stored in `bytes` (`rows` × `cols` of `format`) regrouped
    /// by [`interleave`] into the layout this format's kernels read: Q4_K
    /// and Q6_K their own, Q8_0 and Q5_0 Q8_0's. `None` when the rows are
    /// not whole groups of 8 or `format` has no regrouped layout.
    pub fn regroup(format: Format, rows: usize, cols: usize, bytes: &[u8]) -> Option<Weight> {
        if !rows.is_multiple_of(interleave::ROWS) || bytes.len() != rows * format.row_bytes(cols)? {
            return None;
        }
        let (data, layout) = match format {
            Format::Q4K => (interleave::regroup_q4k(bytes, rows, cols), Format::Q4K),
            Format::Q6K => (interleave::regroup_q6k(bytes, rows, cols), Format::Q6K),
            Format::Q8_0 | Format::Q5_0 => (
                interleave::regroup_as_q8_0(format, bytes, rows, cols),
                Format::Q8_0,
            ),
            _ => return None,
        };
        Weight::regrouped(layout, rows, cols, data)
    }

    /// Bytes of one group of 8 regrouped rows.
    fn group_bytes(&self) -> usize {
        let blocks = self.cols / self.format.block_values();
        match self.format {
            Format::Q4K => blocks * interleave::GROUP_BLOCK,
            Format::Q6K => blocks * interleave::Q6_GROUP_BLOCK,
            _ => blocks * interleave::Q8_GROUP_BLOCK,
        }
    }

    /// A matrix in owned bytes, as stored (requantized or converted at load);
    /// `None` when the bytes do not fit the shape.
    pub fn owned(format: Format, rows: usize, cols: usize, data: Vec<u8>) -> Option<Weight> {
        let row_bytes = format.row_bytes(cols)?;
        (data.len() == rows.checked_mul(row_bytes)?).then_some(Weight {
            format,
            rows,
            cols,
            row_bytes,
            bytes: Bytes::Owned(data),
            layout: Layout::Rows,
        })
    }

    fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped { map, start, len } => &map.bytes()[*start..*start + *len],
            Bytes::Owned(v) => v,
        }
    }

    /// Row `r` as stored; not for regrouped weights (never the embedding).
    pub fn row(&self, r: usize) -> &[u8] {
        &self.bytes()[r * self.row_bytes..(r + 1) * self.row_bytes]
    }

    /// Row `r` as f32 (the embedding lookup).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        if self.layout == Layout::Grouped {
            // Q8_0 and Q6_K tables may be regrouped (a Q4_K one is not).
            let (g, lane) = (r / interleave::ROWS, r % interleave::ROWS);
            let gb = self.group_bytes();
            let group = &self.bytes()[g * gb..(g + 1) * gb];
            if self.format == Format::Q6K {
                interleave::dequantize_q6k_row(group, lane, out);
            } else {
                interleave::dequantize_q8_0_row(group, lane, out);
            }
            return;
        }
        quant::dequantize_row(self.format, self.row(r), out);
    }

    /// Bytes resident for this weight outside the mapped file.
    pub fn owned_bytes(&self) -> usize {
        match &self.bytes {
            Bytes::Owned(v) => v.len(),
            Bytes::Mapped { .. } => 0,
        }
    }

    /// `out[(r − rows.start) · tokens + t]` = row `r` · token
    /// `tokens.start + t`, for at most [`TOKEN_BLOCK`] tokens.
    fn dot_rows(
        &self,
        rows: std::ops::Range<usize>,
        acts: &Acts<'_>,
        tokens: std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        let len = tokens.len().min(TOKEN_BLOCK);
        if self.layout == Layout::Grouped {
            let gb = self.group_bytes();
            let (g0, g1) = (rows.start / interleave::ROWS, rows.end / interleave::ROWS);
            let bytes = &self.bytes()[g0 * gb..g1 * gb];
            let blocks = self.cols / self.format.block_values();
            if self.format.act_kind() == ActKind::Q8K {
                let mut a: [&[Q8KBlock]; TOKEN_BLOCK] = [&[]; TOKEN_BLOCK];
                for (slot, t) in a.iter_mut().zip(tokens) {
                    *slot = acts.q8k(t);
                }
                if self.format == Format::Q6K {
                    raw::dot_q6k_x8(bytes, blocks, &a[..len], out);
                } else {
                    raw::dot_q4k_x8(bytes, blocks, &a[..len], out);
                }
            } else {
                let mut a: [&[Q8Block]; TOKEN_BLOCK] = [&[]; TOKEN_BLOCK];
                for (slot, t) in a.iter_mut().zip(tokens) {
                    *slot = acts.q8(t);
                }
                raw::dot_q8_0_x8(bytes, blocks, &a[..len], out);
            }
            return;
        }
        let bytes = &self.bytes()[rows.start * self.row_bytes..rows.end * self.row_bytes];
        let (f, rb) = (self.format, self.row_bytes);
        match self.format.act_kind() {
            ActKind::Q8 => {
                let mut a: [&[Q8Block]; TOKEN_BLOCK] = [&[]; TOKEN_BLOCK];
                for (slot, t) in a.iter_mut().zip(tokens) {
                    *slot = acts.q8(t);
                }
                raw::dot_q8(f, bytes, rb, &a[..len], out);
            }
            ActKind::Q8K => {
                let mut a: [&[Q8KBlock]; TOKEN_BLOCK] = [&[]; TOKEN_BLOCK];
                for (slot, t) in a.iter_mut().zip(tokens) {
                    *slot = acts.q8k(t);
                }
                raw::dot_q8k(f, bytes, rb, &a[..len], out);
            }
            ActKind::F32 => {
                let mut a: [&[f32]; TOKEN_BLOCK] = [&[]; TOKEN_BLOCK];
                for (slot, t) in a.iter_mut().zip(tokens) {
                    *slot = acts.f32(t);
                }
                raw::dot_float(f, bytes, rb, &a[..len], out);
            }
        }
    }
}

/// Tokens whose activations a batch task keeps in cache while its rows
/// stream by (32 rows of the widest input, 8960 values, are ~300 kB).
const TOKEN_BLOCK: usize = 32;

/// One layer input for `n` tokens, quantized for each kind of weight that
/// reads it.
pub struct Acts<'a> {
    x: &'a [f32],
    cols: usize,
    q8: Vec<Q8Block>,
    q8k: Vec<Q8KBlock>,
}

impl<'a> Acts<'a> {
    /// `x` is `n` rows of `cols`; `weights` are every matrix that will read
    /// it, so only the formats they need are made.
    pub fn new(x: &'a [f32], cols: usize, weights: &[&Weight]) -> Acts<'a> {
        let mut acts = Acts {
            x,
            cols,
            q8: Vec::new(),
            q8k: Vec::new(),
        };
        let wants = |k: ActKind| weights.iter().any(|w| w.format.act_kind() == k);
        // Token rows are quantized independently: in parallel for a batch
        // (serial work leaves the other threads idle), each row the same.
        if wants(ActKind::Q8) {
            acts.q8 = quantize_rows::<Q8>(x, cols, quant::QK);
        }
        if wants(ActKind::Q8K) {
            acts.q8k = quantize_rows::<Q8K>(x, cols, quant::QK_K);
        }
        acts
    }

    fn tokens(&self) -> usize {
        self.x.len() / self.cols
    }

    fn q8(&self, t: usize) -> &[Q8Block] {
        let per = self.cols / quant::QK;
        &self.q8[t * per..(t + 1) * per]
    }

    fn q8k(&self, t: usize) -> &[Q8KBlock] {
        let per = self.cols / quant::QK_K;
        &self.q8k[t * per..(t + 1) * per]
    }

    fn f32(&self, t: usize) -> &[f32] {
        &self.x[t * self.cols..(t + 1) * self.cols]
    }
}

/// An activation format, named by type so that its quantizer is inlined
/// into the AVX2 compilation of [`QuantizeRow`] (a function value would be
/// called, compiled for the baseline).
trait Quantizer {
    type Block: Copy + Send + Sync;
    fn quantize(xs: &[f32], out: &mut Vec<Self::Block>);
}

struct Q8;
struct Q8K;

impl Quantizer for Q8 {
    type Block = Q8Block;
    #[inline(always)]
    fn quantize(xs: &[f32], out: &mut Vec<Q8Block>) {
        quant::quantize_q8(xs, out);
    }
}

impl Quantizer for Q8K {
    type Block = Q8KBlock;
    #[inline(always)]
    fn quantize(xs: &[f32], out: &mut Vec<Q8KBlock>) {
        quant::quantize_q8k(xs, out);
    }
}

/// Every `cols`-value row of `x` quantized as `Q` into blocks of
/// `per_block` values, rows in order.
fn quantize_rows<Q: Quantizer>(x: &[f32], cols: usize, per_block: usize) -> Vec<Q::Block> {
    let one = |row: &[f32]| {
        let mut out = Vec::with_capacity(cols / per_block);
        raw::run_vectorised(QuantizeRow::<Q> { row, out: &mut out });
        out
    };
    if x.len() == cols {
        return one(x);
    }
    let rows: Vec<Vec<Q::Block>> = x.par_chunks_exact(cols).map(one).collect();
    rows.concat()
}

/// One row's quantization, compiled for AVX2 where the CPU has it.
struct QuantizeRow<'a, Q: Quantizer> {
    row: &'a [f32],
    out: &'a mut Vec<Q::Block>,
}

impl<Q: Quantizer> raw::Vectorised for QuantizeRow<'_, Q> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        Q::quantize(self.row, self.out);
    }
}

/// Rows per task: enough tasks for the pool to balance (rows are equal
/// work, but threads are not equally free), few enough that a task's
/// dispatch is noise.
/// A multiple of 8, so that tasks split regrouped weights between groups.
fn rows_per_task(rows: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    (rows / (threads * 8)).clamp(8, 512) / interleave::ROWS * interleave::ROWS
}

/// `outs[j]` = `acts` × `weights[j]`ᵀ, `(tokens, rows_j)` row-major, for
/// all `j` in one parallel pass.
pub fn matmul(weights: &[&Weight], acts: &Acts<'_>, outs: &mut [&mut Vec<f32>]) {
    let n = acts.tokens();
    for (w, o) in weights.iter().zip(outs.iter_mut()) {
        debug_assert_eq!(w.cols, acts.cols);
        o.clear();
        o.resize(n * w.rows, 0.0);
    }
    if n == 1 {
        let mut tasks: Vec<(&Weight, usize, &mut [f32])> = Vec::new();
        for (w, o) in weights.iter().zip(outs.iter_mut()) {
            let per = rows_per_task(w.rows);
            for (c, s) in o.chunks_mut(per).enumerate() {
                tasks.push((w, c * per, s));
            }
        }
        tasks.into_par_iter().for_each(|(w, r0, s)| {
            w.dot_rows(r0..r0 + s.len(), acts, 0..1, s);
        });
        return;
    }
    // A batch: each task computes a block of rows for every token, tokens
    // in tiles whose activations stay in cache while the rows stream by.
    // Its results go token-major into its own part of a scratch buffer (a
    // transpose of a tile still in cache); then every token's row is
    // gathered from the parts in contiguous runs. Transposing the whole
    // `(rows, tokens)` result instead read it with a stride of a row, which
    // cost 8 % of a 512-token prefill.
    let mut parts: Vec<Vec<f32>> = weights.iter().map(|w| vec![0.0; w.rows * n]).collect();
    let pers: Vec<usize> = weights.iter().map(|w| rows_per_task(w.rows)).collect();
    let mut tasks: Vec<(&Weight, usize, &mut [f32])> = Vec::new();
    for ((w, t), &per) in weights.iter().zip(parts.iter_mut()).zip(&pers) {
        for (c, s) in t.chunks_mut(per * n).enumerate() {
            tasks.push((w, c * per, s));
        }
    }
    tasks.into_par_iter().for_each(|(w, r0, s)| {
        let rows = s.len() / n;
        let mut buf = vec![0f32; rows * TOKEN_BLOCK];
        for t0 in (0..n).step_by(TOKEN_BLOCK) {
            let t1 = (t0 + TOKEN_BLOCK).min(n);
            let k = t1 - t0;
            w.dot_rows(r0..r0 + rows, acts, t0..t1, &mut buf[..rows * k]);
            for (j, dst) in s[t0 * rows..t1 * rows].chunks_exact_mut(rows).enumerate() {
                for (r, v) in dst.iter_mut().enumerate() {
                    *v = buf[r * k + j];
                }
            }
        }
    });
    // Each part holds `per` rows (fewer in the last) for every token.
    for (((w, part), o), &per) in weights.iter().zip(&parts).zip(outs.iter_mut()).zip(&pers) {
        o.par_chunks_mut(w.rows).enumerate().for_each(|(t, row)| {
            for (dst, src) in row.chunks_mut(per).zip(part.chunks(per * n)) {
                let len = dst.len();
                dst.copy_from_slice(&src[t * len..(t + 1) * len]);
            }
        });
    }
}
