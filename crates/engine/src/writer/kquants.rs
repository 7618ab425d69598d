//! The K-quant quantizers as ggml has them today (`quantize_row_q4_K_ref`,
//! `…q5_K_ref`, `…q6_K_ref` in `ggml-quants.c`), which `llama-quantize`
//! runs when no importance matrix is given. candle's quantizers are an
//! older ggml's (`make_qkx1_quants`, no weighted scale search) and leave
//! about 5 % more error in Q4_K on the 1.5B shape, so files we write are as
//! good as llama.cpp's.
//!
//! Arithmetic is f32 in ggml's order, so results match ggml's bit for bit
//! (a test holds them to bytes ggml wrote) except where a C compiler fuses
//! a multiply and an add: on the 1.5B shape, 0.0004 % of the bytes of
//! `llama-quantize`'s Q4_K_M differ from ours, 0.00003 % of its Q5_K_M.

use half::f16;

use crate::cpu::quant::nearest_int;

const QK_K: usize = 256;

/// ggml's `make_qkx2_quants` on a sub-block of 32: the scale and minimum
/// (levels `0..=nmax` in `levels`) that minimise the weighted squared
/// error, searched over `nstep + 1` candidate scales. Returns (scale, -min).
fn make_qkx2_quants(
    nmax: i32,
    x: &[f32; 32],
    weights: &[f32; 32],
    levels: &mut [u8; 32],
    rmin: f32,
    nstep: i32,
) -> (f32, f32) {
    const RDELTA: f32 = 0.1;
    let mut min = x[0];
    let mut max = x[0];
    let mut sum_w = weights[0];
    let mut sum_x = sum_w * x[0];
    for (&v, &w) in x.iter().zip(weights).skip(1) {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
        sum_w += w;
        sum_x += w * v;
    }
    if min > 0.0 {
        min = 0.0;
    }
    if max == min {
        *levels = [0; 32];
        return (0.0, -min);
    }
    // x − min, recomputed only when a pass moves the minimum.
    let mut shifted = [0f32; 32];
    for (s, &v) in shifted.iter_mut().zip(x) {
        *s = v - min;
    }
    let mut iscale = nmax as f32 / (max - min);
    let mut scale = 1.0 / iscale;
    let mut best_error = 0f32;
    for i in 0..32 {
        let l = nearest_int(iscale * shifted[i]).clamp(0, nmax);
        levels[i] = l as u8;
        let diff = scale * l as f32 + min - x[i];
        best_error += weights[i] * (diff * diff);
    }
    let mut aux = [0f32; 32];
    for is in 0..=nstep {
        iscale = (rmin + RDELTA * is as f32 + nmax as f32) / (max - min);
        for (a, &s) in aux.iter_mut().zip(&shifted) {
            *a = nearest_int(iscale * s).clamp(0, nmax) as f32;
        }
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0f32, 0f32, 0f32);
        for i in 0..32 {
            let wl = weights[i] * aux[i];
            sum_l += wl;
            sum_l2 += wl * aux[i];
            sum_xl += wl * x[i];
        }
        let d = sum_w * sum_l2 - sum_l * sum_l;
        if d > 0.0 {
            let mut this_scale = (sum_w * sum_xl - sum_x * sum_l) / d;
            let mut this_min = (sum_l2 * sum_x - sum_l * sum_xl) / d;
            if this_min > 0.0 {
                this_min = 0.0;
                this_scale = sum_xl / sum_l2;
            }
            let mut cur_error = 0f32;
            for i in 0..32 {
                let diff = this_scale * aux[i] + this_min - x[i];
                cur_error += weights[i] * (diff * diff);
            }
            if cur_error < best_error {
                for (l, a) in levels.iter_mut().zip(&aux) {
                    *l = *a as u8;
                }
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
                // ggml shifts by the minimum found so far in later passes.
                for (s, &v) in shifted.iter_mut().zip(x) {
                    *s = v - min;
                }
            }
        }
    }
    (scale, -min)
}

/// ggml's `make_qx_quants` with `rmse_type = 1` (weights x²) and no
/// importance matrix: a symmetric scale for levels `-nmax..nmax-1`.
fn make_qx_quants(nmax: i32, x: &[f32], levels: &mut [i8]) -> f32 {
    let n = x.len();
    let (mut max, mut amax) = (0f32, 0f32);
    for &v in x {
        if v.abs() > amax {
            amax = v.abs();
            max = v;
        }
    }
    if amax < 1e-15 {
        levels[..n].fill(0);
        return 0.0;
    }
    let level = |iscale: f32, v: f32| nearest_int(iscale * v).clamp(-nmax, nmax - 1);
    let mut iscale = -(nmax as f32) / max;
    let (mut sumlx, mut suml2) = (0f32, 0f32);
    for i in 0..n {
        let l = level(iscale, x[i]);
        levels[i] = (l + nmax) as i8;
        let w = x[i] * x[i];
        sumlx += w * x[i] * l as f32;
        suml2 += w * l as f32 * l as f32;
    }
    let mut scale = if suml2 != 0.0 { sumlx / suml2 } else { 0.0 };
    let mut best = scale * sumlx;
    for is in -9i32..=9 {
        if is == 0 {
            continue;
        }
        iscale = -(nmax as f32 + 0.1 * is as f32) / max;
        sumlx = 0.0;
        suml2 = 0.0;
        for &v in x {
            let l = level(iscale, v);
            let w = v * v;
            sumlx += w * v * l as f32;
            suml2 += w * l as f32 * l as f32;
        }
        if suml2 > 0.0 && sumlx * sumlx > best * suml2 {
            for i in 0..n {
                levels[i] = (level(iscale, x[i]) + nmax) as i8;
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    scale
}

/// Decodes scale/min `j` of the 12 packed bytes (ggml's `get_scale_min_k4`).
fn scale_min_k4(j: usize, q: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// The shared part of Q4_K and Q5_K: eight sub-blocks of 32 with a 6-bit
/// scale and minimum each; returns (d, dmin, packed scales, levels).
fn scales_and_levels(
    x: &[f32],
    nmax: i32,
    rmin: f32,
    nstep: i32,
) -> (f16, f16, [u8; 12], [u8; QK_K]) {
    let mut levels = [0u8; QK_K];
    let mut weights = [0f32; 32];
    let mut scales = [0f32; 8];
    let mut mins = [0f32; 8];
    let (mut max_scale, mut max_min) = (0f32, 0f32);
    for j in 0..8 {
        let mut xs = [0f32; 32];
        xs.copy_from_slice(&x[32 * j..32 * j + 32]);
        let mut sum_x2 = 0f32;
        for v in &xs {
            sum_x2 += v * v;
        }
        let av_x = (sum_x2 / 32.0).sqrt();
        for (w, v) in weights.iter_mut().zip(&xs) {
            *w = av_x + v.abs();
        }
        let mut sub = [0u8; 32];
        let (s, m) = make_qkx2_quants(nmax, &xs, &weights, &mut sub, rmin, nstep);
        levels[32 * j..32 * j + 32].copy_from_slice(&sub);
        scales[j] = s;
        mins[j] = m;
        if s > max_scale {
            max_scale = s;
        }
        if m > max_min {
            max_min = m;
        }
    }
    let inv_scale = if max_scale > 0.0 {
        63.0 / max_scale
    } else {
        0.0
    };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    let mut packed = [0u8; 12];
    for j in 0..8 {
        let ls = (nearest_int(inv_scale * scales[j]) as u8).min(63);
        let lm = (nearest_int(inv_min * mins[j]) as u8).min(63);
        if j < 4 {
            packed[j] = ls;
            packed[j + 4] = lm;
        } else {
            packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
            packed[j - 4] |= (ls >> 4) << 6;
            packed[j] |= (lm >> 4) << 6;
        }
    }
    let d = f16::from_f32(max_scale / 63.0);
    let dmin = f16::from_f32(max_min / 63.0);
    for j in 0..8 {
        let (sc, m) = scale_min_k4(j, &packed);
        let dj = d.to_f32() * sc as f32;
        if dj == 0.0 {
            continue;
        }
        let dm = dmin.to_f32() * m as f32;
        for ii in 0..32 {
            let l = nearest_int((x[32 * j + ii] + dm) / dj).clamp(0, nmax);
            levels[32 * j + ii] = l as u8;
        }
    }
    (d, dmin, packed, levels)
}

/// Appends the Q4_K blocks of `x` (a multiple of 256 values) to `out`.
pub fn quantize_q4k(x: &[f32], out: &mut Vec<u8>) {
    for block in x.chunks_exact(QK_K) {
        let (d, dmin, scales, l) = scales_and_levels(block, 15, -1.0, 20);
        out.extend_from_slice(&d.to_le_bytes());
        out.extend_from_slice(&dmin.to_le_bytes());
        out.extend_from_slice(&scales);
        for j in (0..QK_K).step_by(64) {
            for i in 0..32 {
                out.push(l[j + i] | (l[j + i + 32] << 4));
            }
        }
    }
}

/// Appends the Q5_K blocks of `x` (a multiple of 256 values) to `out`.
pub fn quantize_q5k(x: &[f32], out: &mut Vec<u8>) {
    for block in x.chunks_exact(QK_K) {
        let (d, dmin, scales, l) = scales_and_levels(block, 31, -0.5, 15);
        out.extend_from_slice(&d.to_le_bytes());
        out.extend_from_slice(&dmin.to_le_bytes());
        out.extend_from_slice(&scales);
        let mut qh = [0u8; 32];
        let mut qs = [0u8; 128];
        let (mut m1, mut m2) = (1u8, 2u8);
        for (chunk, n) in (0..QK_K).step_by(64).enumerate() {
            for j in 0..32 {
                let mut l1 = l[n + j];
                if l1 > 15 {
                    l1 -= 16;
                    qh[j] |= m1;
                }
                let mut l2 = l[n + j + 32];
                if l2 > 15 {
                    l2 -= 16;
                    qh[j] |= m2;
                }
                qs[32 * chunk + j] = l1 | (l2 << 4);
            }
            m1 <<= 2;
            m2 <<= 2;
        }
        out.extend_from_slice(&qh);
        out.extend_from_slice(&qs);
    }
}

/// Appends the Q6_K blocks of `x` (a multiple of 256 values) to `out`.
pub fn quantize_q6k(x: &[f32], out: &mut Vec<u8>) {
    for block in x.chunks_exact(QK_K) {
        let mut l = [0i8; QK_K];
        let mut scales = [0f32; 16];
        let (mut max_scale, mut max_abs) = (0f32, 0f32);
        for ib in 0..16 {
            let s = make_qx_quants(
                32,
                &block[16 * ib..16 * ib + 16],
                &mut l[16 * ib..16 * ib + 16],
            );
            scales[ib] = s;
            if s.abs() > max_abs {
                max_abs = s.abs();
                max_scale = s;
            }
        }
        // ql[128], qh[64], scales[16], d: ggml's block_q6_K order.
        let mut ql = [0u8; 128];
        let mut qh = [0u8; 64];
        let mut sc = [0i8; 16];
        let mut d = f16::from_f32(0.0);
        if max_abs >= 1e-15 {
            let iscale = -128.0 / max_scale;
            d = f16::from_f32(1.0 / iscale);
            for (s, v) in sc.iter_mut().zip(&scales) {
                *s = nearest_int(iscale * v).min(127) as i8;
            }
            for j in 0..16 {
                let dj = d.to_f32() * sc[j] as f32;
                if dj == 0.0 {
                    continue;
                }
                for ii in 0..16 {
                    let q = nearest_int(block[16 * j + ii] / dj).clamp(-32, 31);
                    l[16 * j + ii] = (q + 32) as i8;
                }
            }
            for (half_block, j) in (0..QK_K).step_by(128).enumerate() {
                let (ql, qh) = (&mut ql[64 * half_block..], &mut qh[32 * half_block..]);
                for i in 0..32 {
                    let q = |k: usize| l[j + i + k] as u8;
                    ql[i] = (q(0) & 0xF) | ((q(64) & 0xF) << 4);
                    ql[i + 32] = (q(32) & 0xF) | ((q(96) & 0xF) << 4);
                    qh[i] = (q(0) >> 4)
                        | ((q(32) >> 4) << 2)
                        | ((q(64) >> 4) << 4)
                        | ((q(96) >> 4) << 6);
                }
            }
        }
        out.extend_from_slice(&ql);
        out.extend_from_slice(&qh);
        out.extend(sc.iter().map(|s| *s as u8));
        out.extend_from_slice(&d.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::quantized::{GgmlDType, QStorage, QTensor};
    use candle_core::{Device, Tensor};

    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = crate::sampler::Rng(seed);
        (0..n)
            .map(|i| {
                let u = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                // Some blocks with outliers, one all zero, one constant.
                match i / 256 {
                    3 => 0.0,
                    4 => 0.25,
                    _ if i % 97 == 0 => u * 40.0,
                    _ => u,
                }
            })
            .collect()
    }

    fn rmse(dtype: GgmlDType, bytes: Vec<u8>, x: &[f32]) -> f64 {
        let q = QStorage::from_data(bytes.into(), &Device::Cpu, dtype).unwrap();
        let q = QTensor::new(q, (x.len(),)).unwrap();
        let back: Vec<f32> = q.dequantize(&Device::Cpu).unwrap().to_vec1().unwrap();
        let err: f64 = back
            .iter()
            .zip(x)
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum();
        (err / x.len() as f64).sqrt()
    }

    fn candle(dtype: GgmlDType, x: &[f32]) -> Vec<u8> {
        let t = Tensor::from_slice(x, (x.len(),), &Device::Cpu).unwrap();
        QTensor::quantize(&t, dtype)
            .unwrap()
            .data()
            .unwrap()
            .into_owned()
    }

    #[test]
    fn blocks_decode_with_candle_and_no_worse_than_its_quantizers() {
        let x = values(256 * 24, 5);
        type Quantize = fn(&[f32], &mut Vec<u8>);
        let cases: [(GgmlDType, Quantize); 3] = [
            (GgmlDType::Q4K, quantize_q4k),
            (GgmlDType::Q5K, quantize_q5k),
            (GgmlDType::Q6K, quantize_q6k),
        ];
        for (dtype, quantize) in cases {
            let mut ours = Vec::new();
            quantize(&x, &mut ours);
            assert_eq!(ours.len(), x.len() / 256 * dtype.type_size(), "{dtype:?}");
            let (a, b) = (rmse(dtype, ours, &x), rmse(dtype, candle(dtype, &x), &x));
            assert!(a <= b * 1.001, "{dtype:?}: ours {a}, candle {b}");
            // A block of zeros stays zeros.
            let mut zeros = Vec::new();
            quantize(&[0.0; 256], &mut zeros);
            assert_eq!(rmse(dtype, zeros, &[0.0; 256]), 0.0);
        }
    }

    /// `kquants_ggml.bin` is what ggml's own `quantize_row_q{4,5,6}_K_ref`
    /// write for these six blocks (compiled from llama.cpp's
    /// `ggml-quants.c` with `-ffp-contract=off`): the same bytes.
    #[test]
    fn blocks_are_the_bytes_ggml_writes() {
        let x: Vec<f32> = (0..256 * 6)
            .map(|i: i32| {
                let mut v = ((i * 7919) % 2001 - 1000) as f32 / 1000.0;
                if i % 97 == 0 {
                    v *= 37.0;
                }
                match i / 256 {
                    3 => 0.0,
                    4 => 0.25,
                    5 => v * 0.001 + 0.5,
                    _ => v,
                }
            })
            .collect();
        let golden = include_bytes!("kquants_ggml.bin");
        let (q4, rest) = golden.split_at(6 * 144);
        let (q5, q6) = rest.split_at(6 * 176);
        let run = |f: fn(&[f32], &mut Vec<u8>)| {
            let mut out = Vec::new();
            f(&x, &mut out);
            out
        };
        assert_eq!(run(quantize_q4k), q4, "Q4_K");
        assert_eq!(run(quantize_q5k), q5, "Q5_K");
        assert_eq!(run(quantize_q6k), q6, "Q6_K");
    }

    #[test]
    fn nearest_int_rounds_half_to_even() {
        assert_eq!(
            [0.5, 1.5, 2.5, -0.5, -1.5, 3.7, -3.7].map(nearest_int),
            [0, 2, 2, 0, -2, 4, -4]
        );
    }
}
