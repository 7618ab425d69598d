//! The GGUF block formats as the file stores them, and the plain scalar
//! arithmetic over them: dequantizing a row, quantizing activations, and
//! the dot product of a weight row with quantized activations.
//!
//! The scalar dot products are the reference the SIMD kernels in
//! [`super::raw`] are tested against, and the path on CPUs without AVX2.
//! Integer sums are exact in both; only the order of the f32 accumulation
//! differs.

use candle_core::quantized::GgmlDType;
use half::{bf16, f16};

/// Values per block of the "legacy" formats (Q4_0 … Q8_0) and of Q8_0
/// activations.
pub const QK: usize = 32;
/// Values per super-block of the k-quants and of Q8_K activations.
pub const QK_K: usize = 256;

/// The weight formats our kernels read in place. Anything else in a file
/// (Q2_K, Q3_K, …) is requantized to Q8_0 at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 32-bit floats.
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
    /// ggml Q4_0: 4 bits, one scale per 32.
    Q4_0,
    /// ggml Q4_1: 4 bits, scale and minimum per 32.
    Q4_1,
    /// ggml Q5_0.
    Q5_0,
    /// ggml Q5_1.
    Q5_1,
    /// ggml Q8_0: 8 bits, one scale per 32.
    Q8_0,
    /// ggml Q4_K: 4 bits in super-blocks of 256.
    Q4K,
    /// ggml Q5_K.
    Q5K,
    /// ggml Q6_K.
    Q6K,
}

/// How a weight format wants its activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActKind {
    /// Plain f32 (float weights).
    F32,
    /// Q8_0 blocks of 32 (the legacy formats).
    Q8,
    /// Q8_K super-blocks of 256 (the k-quants).
    Q8K,
}

impl Format {
    /// The format of a ggml type, if our kernels read it.
    pub fn from_ggml(t: GgmlDType) -> Option<Format> {
        Some(match t {
            GgmlDType::F32 => Format::F32,
            GgmlDType::F16 => Format::F16,
            GgmlDType::BF16 => Format::Bf16,
            GgmlDType::Q4_0 => Format::Q4_0,
            GgmlDType::Q4_1 => Format::Q4_1,
            GgmlDType::Q5_0 => Format::Q5_0,
            GgmlDType::Q5_1 => Format::Q5_1,
            GgmlDType::Q8_0 => Format::Q8_0,
            GgmlDType::Q4K => Format::Q4K,
            GgmlDType::Q5K => Format::Q5K,
            GgmlDType::Q6K => Format::Q6K,
            _ => return None,
        })
    }

    /// Values per block.
    pub fn block_values(self) -> usize {
        match self {
            Format::F32 | Format::F16 | Format::Bf16 => 1,
            Format::Q4_0 | Format::Q4_1 | Format::Q5_0 | Format::Q5_1 | Format::Q8_0 => QK,
            Format::Q4K | Format::Q5K | Format::Q6K => QK_K,
        }
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        match self {
            Format::F32 => 4,
            Format::F16 | Format::Bf16 => 2,
            Format::Q4_0 => 18,
            Format::Q4_1 => 20,
            Format::Q5_0 => 22,
            Format::Q5_1 => 24,
            Format::Q8_0 => 34,
            Format::Q4K => 144,
            Format::Q5K => 176,
            Format::Q6K => 210,
        }
    }

    /// How this format wants its activations quantized.
    pub fn act_kind(self) -> ActKind {
        match self {
            Format::F32 | Format::F16 | Format::Bf16 => ActKind::F32,
            Format::Q4_0 | Format::Q4_1 | Format::Q5_0 | Format::Q5_1 | Format::Q8_0 => ActKind::Q8,
            Format::Q4K | Format::Q5K | Format::Q6K => ActKind::Q8K,
        }
    }

    /// Bytes of a row of `cols` values, or `None` when `cols` is not a
    /// whole number of blocks.
    pub fn row_bytes(self, cols: usize) -> Option<usize> {
        cols.is_multiple_of(self.block_values())
            .then(|| cols / self.block_values() * self.block_bytes())
    }
}

/// A block of 32 activations quantized to 8 bits, with `sum` = d·Σq for
/// the formats that carry a minimum (Q4_1, Q5_1).
#[derive(Debug, Clone, Copy)]
pub struct Q8Block {
    /// The block's scale.
    pub d: f32,
    /// d·Σq.
    pub sum: f32,
    /// Σq, for kernels that offset the weights to make them unsigned.
    pub qsum: i32,
    /// The quantized values.
    pub qs: [i8; QK],
}

/// A super-block of 256 activations quantized to 8 bits, with the sums of
/// each 16 for the k-quants' minimums and offsets.
#[derive(Debug, Clone, Copy)]
pub struct Q8KBlock {
    /// The super-block's scale.
    pub d: f32,
    /// The quantized values.
    pub qs: [i8; QK_K],
    /// The sums of each 16 values.
    pub bsums: [i16; QK_K / 16],
    /// The sums of the eight sub-blocks of 32, two per i32 (low half the
    /// even sub-block): what the regrouped Q4_K kernel multiplies with its
    /// minimums in one `vpdpwssd`, made once per token here instead of once
    /// per group of eight rows there.
    pub pairs: [i32; 4],
}

/// As ggml and candle quantize Q8_0 activations: the scale is stored in
/// f16, the values use the unrounded one.
#[inline(always)]
pub fn quantize_q8(xs: &[f32], out: &mut Vec<Q8Block>) {
    out.clear();
    for x in xs.chunks_exact(QK) {
        let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        let mut qs = [0i8; QK];
        let mut total = 0i32;
        for (q, v) in qs.iter_mut().zip(x) {
            *q = (v * id).round() as i8;
            total += *q as i32;
        }
        let d = f16::from_f32(d).to_f32();
        out.push(Q8Block {
            d,
            sum: d * total as f32,
            qsum: total,
            qs,
        });
    }
}

/// As ggml and candle quantize Q8_K activations (the scale from the signed
/// value of largest magnitude, mapped to -127).
#[inline(always)]
pub fn quantize_q8k(xs: &[f32], out: &mut Vec<Q8KBlock>) {
    out.clear();
    for x in xs.chunks_exact(QK_K) {
        let mut max = 0f32;
        let mut amax = 0f32;
        for &v in x {
            if amax < v.abs() {
                amax = v.abs();
                max = v;
            }
        }
        let mut b = Q8KBlock {
            d: 0.0,
            qs: [0; QK_K],
            bsums: [0; QK_K / 16],
            pairs: [0; 4],
        };
        if amax != 0.0 {
            let iscale = -127.0 / max;
            // ggml's `nearest_int` (half to even), as `quantize_row_q8_K`.
            for (q, v) in b.qs.iter_mut().zip(x) {
                *q = nearest_int(iscale * v).min(127) as i8;
            }
            for (s, g) in b.bsums.iter_mut().zip(b.qs.chunks_exact(16)) {
                *s = g.iter().map(|&q| q as i16).sum();
            }
            // |a sum of 32 values| ≤ 32 · 128: an i16 holds it.
            let of = |j: usize| b.bsums[2 * j].wrapping_add(b.bsums[2 * j + 1]) as u16 as u32;
            for (i, p) in b.pairs.iter_mut().enumerate() {
                *p = (of(2 * i) | (of(2 * i + 1) << 16)) as i32;
            }
            b.d = 1.0 / iscale;
        }
        out.push(b);
    }
}

/// ggml's `nearest_int`: round half to even through the float mantissa
/// (valid for |v| < 2²²; activations and quantization levels are far below).
#[inline(always)]
pub(crate) fn nearest_int(v: f32) -> i32 {
    let val = v + 12_582_912.0;
    (val.to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

/// The f16 at byte `at` of `b`, as f32.
pub fn f16_at(b: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([b[at], b[at + 1]]).to_f32()
}

/// The 6-bit scale and minimum of sub-block `j` of a Q4_K/Q5_K block.
pub fn scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// The eight scales and minimums of a Q4_K/Q5_K block, unpacked from its
/// 12 bytes four at a time (the same bits as [`scale_min_k4`], without a
/// branch: this runs once per block in the hottest loop).
#[inline(always)]
pub fn scales_mins_k4(q: &[u8]) -> ([u8; 8], [u8; 8]) {
    const LOW6: u32 = 0x3f3f_3f3f;
    const LOW4: u32 = 0x0f0f_0f0f;
    const TOP2: u32 = 0x0303_0303;
    let w = |i: usize| u32::from_le_bytes([q[4 * i], q[4 * i + 1], q[4 * i + 2], q[4 * i + 3]]);
    let (a, b, c) = (w(0), w(1), w(2));
    let scales_lo = a & LOW6;
    let scales_hi = (c & LOW4) | (((a >> 6) & TOP2) << 4);
    let mins_lo = b & LOW6;
    let mins_hi = ((c >> 4) & LOW4) | (((b >> 6) & TOP2) << 4);
    let mut sc = [0u8; 8];
    let mut mn = [0u8; 8];
    sc[..4].copy_from_slice(&scales_lo.to_le_bytes());
    sc[4..].copy_from_slice(&scales_hi.to_le_bytes());
    mn[..4].copy_from_slice(&mins_lo.to_le_bytes());
    mn[4..].copy_from_slice(&mins_hi.to_le_bytes());
    (sc, mn)
}

/// The integer values of one legacy block, and its scale and minimum
/// (the minimum is 0 for the symmetric formats, whose offset is folded in).
pub(crate) fn legacy_values(f: Format, b: &[u8]) -> ([i32; QK], f32, f32) {
    let mut v = [0i32; QK];
    match f {
        Format::Q4_0 | Format::Q4_1 => {
            let (d, m, qs) = if f == Format::Q4_0 {
                (f16_at(b, 0), 0.0, &b[2..18])
            } else {
                (f16_at(b, 0), f16_at(b, 2), &b[4..20])
            };
            let off = if f == Format::Q4_0 { 8 } else { 0 };
            for j in 0..16 {
                v[j] = (qs[j] & 0xF) as i32 - off;
                v[j + 16] = (qs[j] >> 4) as i32 - off;
            }
            (v, d, m)
        }
        Format::Q5_0 | Format::Q5_1 => {
            let (d, m, qh, qs) = if f == Format::Q5_0 {
                (f16_at(b, 0), 0.0, &b[2..6], &b[6..22])
            } else {
                (f16_at(b, 0), f16_at(b, 2), &b[4..8], &b[8..24])
            };
            let qh = u32::from_le_bytes([qh[0], qh[1], qh[2], qh[3]]);
            let off = if f == Format::Q5_0 { 16 } else { 0 };
            for j in 0..16 {
                let h0 = ((qh >> j) & 1) << 4;
                let h1 = ((qh >> (j + 16)) & 1) << 4;
                v[j] = ((qs[j] & 0xF) as u32 | h0) as i32 - off;
                v[j + 16] = ((qs[j] >> 4) as u32 | h1) as i32 - off;
            }
            (v, d, m)
        }
        _ => {
            for (o, q) in v.iter_mut().zip(&b[2..34]) {
                *o = *q as i8 as i32;
            }
            (v, f16_at(b, 0), 0.0)
        }
    }
}

/// The 256 integer values of a k-quant block and the scale and minimum of
/// each 16 of them (a 32-value sub-block repeats its pair), with the
/// block's two f16 factors: value = d·scale·q − dmin·min.
fn k_values(f: Format, b: &[u8]) -> ([i32; QK_K], [i32; 16], [i32; 16], f32, f32) {
    let mut v = [0i32; QK_K];
    let mut sc = [0i32; 16];
    let mut mn = [0i32; 16];
    match f {
        Format::Q4K | Format::Q5K => {
            let (s, m) = scales_mins_k4(&b[4..16]);
            debug_assert!((0..8).all(|j| scale_min_k4(j, &b[4..16]) == (s[j], m[j])));
            for g in 0..16 {
                sc[g] = s[g / 2] as i32;
                mn[g] = m[g / 2] as i32;
            }
            let (qh, qs) = if f == Format::Q5K {
                (Some(&b[16..48]), &b[48..176])
            } else {
                (None, &b[16..144])
            };
            for c in 0..4 {
                for l in 0..32 {
                    let byte = qs[32 * c + l];
                    let (mut lo, mut hi) = ((byte & 0xF) as i32, (byte >> 4) as i32);
                    if let Some(qh) = qh {
                        lo |= (((qh[l] >> (2 * c)) & 1) as i32) << 4;
                        hi |= (((qh[l] >> (2 * c + 1)) & 1) as i32) << 4;
                    }
                    v[64 * c + l] = lo;
                    v[64 * c + 32 + l] = hi;
                }
            }
            (v, sc, mn, f16_at(b, 0), f16_at(b, 2))
        }
        _ => {
            let (ql, qh) = (&b[0..128], &b[128..192]);
            for (g, s) in sc.iter_mut().enumerate() {
                *s = b[192 + g] as i8 as i32;
            }
            for h in 0..2 {
                let (ql, qh) = (&ql[64 * h..], &qh[32 * h..]);
                for l in 0..32 {
                    let at = 128 * h + l;
                    v[at] = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) as i32 - 32;
                    v[at + 32] = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) as i32 - 32;
                    v[at + 64] = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i32 - 32;
                    v[at + 96] = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i32 - 32;
                }
            }
            (v, sc, mn, f16_at(b, 208), 0.0)
        }
    }
}

/// Dequantizes one row (whole blocks) into `out`.
pub fn dequantize_row(f: Format, row: &[u8], out: &mut [f32]) {
    match f {
        Format::F32 => {
            for (o, c) in out.iter_mut().zip(row.chunks_exact(4)) {
                *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
        Format::F16 => {
            for (o, c) in out.iter_mut().zip(row.chunks_exact(2)) {
                *o = f16::from_le_bytes([c[0], c[1]]).to_f32();
            }
        }
        Format::Bf16 => {
            for (o, c) in out.iter_mut().zip(row.chunks_exact(2)) {
                *o = bf16::from_le_bytes([c[0], c[1]]).to_f32();
            }
        }
        Format::Q4_0 | Format::Q4_1 | Format::Q5_0 | Format::Q5_1 | Format::Q8_0 => {
            for (o, b) in out
                .chunks_exact_mut(QK)
                .zip(row.chunks_exact(f.block_bytes()))
            {
                let (v, d, m) = legacy_values(f, b);
                for (o, q) in o.iter_mut().zip(v) {
                    *o = d * q as f32 + m;
                }
            }
        }
        Format::Q4K | Format::Q5K | Format::Q6K => {
            for (o, b) in out
                .chunks_exact_mut(QK_K)
                .zip(row.chunks_exact(f.block_bytes()))
            {
                let (v, sc, mn, d, dmin) = k_values(f, b);
                for (i, o) in o.iter_mut().enumerate() {
                    let g = i / 16;
                    *o = d * sc[g] as f32 * v[i] as f32 - dmin * mn[g] as f32;
                }
            }
        }
    }
}

/// Dot product of a weight row with f32 activations (F32/F16/BF16 rows).
pub fn dot_float(f: Format, row: &[u8], x: &[f32]) -> f32 {
    let mut acc = 0f32;
    let width = if f == Format::F32 { 4 } else { 2 };
    for (c, x) in row.chunks_exact(width).zip(x) {
        let w = match f {
            Format::F32 => f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            Format::F16 => f16::from_le_bytes([c[0], c[1]]).to_f32(),
            _ => bf16::from_le_bytes([c[0], c[1]]).to_f32(),
        };
        acc += w * x;
    }
    acc
}

/// Dot product of a legacy-format row with Q8 activations.
pub fn dot_q8(f: Format, row: &[u8], a: &[Q8Block]) -> f32 {
    let mut acc = 0f32;
    for (b, a) in row.chunks_exact(f.block_bytes()).zip(a) {
        let (v, d, m) = legacy_values(f, b);
        let s: i32 = v.iter().zip(&a.qs).map(|(w, q)| w * *q as i32).sum();
        acc += d * a.d * s as f32 + m * a.sum;
    }
    acc
}

/// Dot product of a k-quant row with Q8_K activations.
pub fn dot_q8k(f: Format, row: &[u8], a: &[Q8KBlock]) -> f32 {
    let mut acc = 0f32;
    for (b, a) in row.chunks_exact(f.block_bytes()).zip(a) {
        let (v, sc, mn, d, dmin) = k_values(f, b);
        let mut s = 0i32;
        let mut mins = 0i32;
        for g in 0..16 {
            let part: i32 = (0..16)
                .map(|l| v[16 * g + l] * a.qs[16 * g + l] as i32)
                .sum();
            s += sc[g] * part;
            mins += mn[g] * a.bsums[g] as i32;
        }
        acc += a.d * d * s as f32 - a.d * dmin * mins as f32;
    }
    acc
}
