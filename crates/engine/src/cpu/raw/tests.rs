//! Every kernel against the scalar reference and against candle's
//! dequantize-then-multiply, on random blocks of every format, odd row
//! lengths and every batch size up to two tiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};

use super::*;
use crate::cpu::quant::{dequantize_row, quantize_q8, quantize_q8k, ActKind};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn values(&mut self, n: usize) -> Vec<f32> {
        // Mixed magnitudes, so that block scales differ.
        (0..n)
            .map(|i| self.next() * if i % 97 < 5 { 4.0 } else { 0.5 })
            .collect()
    }
}

const FORMATS: &[(Format, GgmlDType)] = &[
    (Format::Q4_0, GgmlDType::Q4_0),
    (Format::Q4_1, GgmlDType::Q4_1),
    (Format::Q5_0, GgmlDType::Q5_0),
    (Format::Q5_1, GgmlDType::Q5_1),
    (Format::Q8_0, GgmlDType::Q8_0),
    (Format::Q4K, GgmlDType::Q4K),
    (Format::Q5K, GgmlDType::Q5K),
    (Format::Q6K, GgmlDType::Q6K),
    (Format::F16, GgmlDType::F16),
    (Format::Bf16, GgmlDType::BF16),
    (Format::F32, GgmlDType::F32),
];

/// `rows` random rows of `cols`, quantized by candle: real blocks.
fn weights(dtype: GgmlDType, rows: usize, cols: usize, rng: &mut Rng) -> (Vec<u8>, Vec<f32>) {
    let t = Tensor::from_vec(rng.values(rows * cols), (rows, cols), &Device::Cpu).unwrap();
    let q = QTensor::quantize(&t, dtype).unwrap();
    let dequantized = q
        .dequantize(&Device::Cpu)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    (q.data().unwrap().into_owned(), dequantized)
}

fn cols_for(f: Format) -> Vec<usize> {
    match f.act_kind() {
        // 896: Qwen2.5-0.5B's hidden size, 28 blocks of 32, not of 256.
        ActKind::Q8 => vec![32, 896, 4864],
        ActKind::Q8K => vec![256, 1536, 8960],
        ActKind::F32 => vec![8, 13, 896],
    }
}

/// Kernel results for `tokens` activations against one row, on the best
/// kernels here; every other SIMD level must give the same bits.
fn kernel(f: Format, row: &[u8], xs: &[Vec<f32>]) -> Vec<f32> {
    let best = kernel_at(level(), f, row, xs);
    for l in available_levels() {
        if l != Level::Scalar {
            let other = kernel_at(l, f, row, xs);
            let same = other
                .iter()
                .zip(&best)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{f:?}: {l:?} {other:?} vs {:?} {best:?}", level());
        }
    }
    best
}

fn kernel_at(level: Level, f: Format, row: &[u8], xs: &[Vec<f32>]) -> Vec<f32> {
    let mut out = vec![0.0; xs.len()];
    match f.act_kind() {
        ActKind::Q8 => {
            let q: Vec<Vec<Q8Block>> = xs
                .iter()
                .map(|x| {
                    let mut b = Vec::new();
                    quantize_q8(x, &mut b);
                    b
                })
                .collect();
            let refs: Vec<&[Q8Block]> = q.iter().map(|b| b.as_slice()).collect();
            dot_q8_at(level, f, row, row.len(), &refs, &mut out);
        }
        ActKind::Q8K => {
            let q: Vec<Vec<Q8KBlock>> = xs
                .iter()
                .map(|x| {
                    let mut b = Vec::new();
                    quantize_q8k(x, &mut b);
                    b
                })
                .collect();
            let refs: Vec<&[Q8KBlock]> = q.iter().map(|b| b.as_slice()).collect();
            dot_q8k_at(level, f, row, row.len(), &refs, &mut out);
        }
        ActKind::F32 => {
            let refs: Vec<&[f32]> = xs.iter().map(|x| x.as_slice()).collect();
            dot_float_at(level, f, row, row.len(), &refs, &mut out);
        }
    }
    out
}

/// The scalar reference on the same quantized activations.
fn scalar(f: Format, row: &[u8], x: &[f32]) -> f32 {
    match f.act_kind() {
        ActKind::Q8 => {
            let mut b = Vec::new();
            quantize_q8(x, &mut b);
            quant::dot_q8(f, row, &b)
        }
        ActKind::Q8K => {
            let mut b = Vec::new();
            quantize_q8k(x, &mut b);
            quant::dot_q8k(f, row, &b)
        }
        ActKind::F32 => quant::dot_float(f, row, x),
    }
}

#[test]
fn this_machine_runs_simd_kernels_where_it_can() {
    eprintln!(
        "kernels: {:?} (available: {:?})",
        level(),
        available_levels()
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        assert!(level() >= Level::Avx2);
    }
}

#[test]
fn dequantizing_a_row_gives_candles_values() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for &(f, dtype) in FORMATS {
        let cols = cols_for(f)[1];
        let (bytes, expected) = weights(dtype, 3, cols, &mut rng);
        let mut got = vec![0.0; 3 * cols];
        let rb = f.row_bytes(cols).unwrap();
        for r in 0..3 {
            dequantize_row(
                f,
                &bytes[r * rb..(r + 1) * rb],
                &mut got[r * cols..(r + 1) * cols],
            );
        }
        for (g, e) in got.iter().zip(&expected) {
            assert!(
                (g - e).abs() <= 1e-6 * e.abs().max(1.0),
                "{f:?}: {g} vs {e}"
            );
        }
    }
}

#[test]
fn every_kernel_matches_the_scalar_reference_and_dequantize_then_multiply() {
    let mut rng = Rng(42);
    for &(f, dtype) in FORMATS {
        for cols in cols_for(f) {
            let rows = 5;
            let (bytes, dense) = weights(dtype, rows, cols, &mut rng);
            let rb = f.row_bytes(cols).unwrap();
            for tokens in [1, 2, 3, 4, 5, 8] {
                let xs: Vec<Vec<f32>> = (0..tokens).map(|_| rng.values(cols)).collect();
                for r in 0..rows {
                    let row = &bytes[r * rb..(r + 1) * rb];
                    let got = kernel(f, row, &xs);
                    for (t, x) in xs.iter().enumerate() {
                        let w = &dense[r * cols..(r + 1) * cols];
                        let magnitude: f32 = w.iter().zip(x).map(|(a, b)| (a * b).abs()).sum();
                        let exact: f32 = w.iter().zip(x).map(|(a, b)| a * b).sum();
                        let reference = scalar(f, row, x);
                        // Same integers, another order of f32 additions.
                        assert!(
                            (got[t] - reference).abs() <= 1e-5 * magnitude.max(1.0),
                            "{f:?} cols {cols} tokens {tokens}: kernel {} vs scalar {reference}",
                            got[t]
                        );
                        // Only the activations' 8-bit quantization differs.
                        let bound = if f.act_kind() == ActKind::F32 {
                            1e-5
                        } else {
                            2e-2
                        };
                        assert!(
                            (got[t] - exact).abs() <= bound * magnitude.max(1e-3),
                            "{f:?} cols {cols}: kernel {} vs dequantized {exact} (|w·x| {magnitude})",
                            got[t]
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_token_gives_the_same_bits_alone_and_in_any_batch() {
    let mut rng = Rng(7);
    for &(f, dtype) in FORMATS {
        let cols = cols_for(f)[1];
        let (bytes, _) = weights(dtype, 1, cols, &mut rng);
        let xs: Vec<Vec<f32>> = (0..7).map(|_| rng.values(cols)).collect();
        let batch = kernel(f, &bytes, &xs);
        for (t, x) in xs.iter().enumerate() {
            let alone = kernel(f, &bytes, std::slice::from_ref(x));
            assert_eq!(alone[0].to_bits(), batch[t].to_bits(), "{f:?} token {t}");
        }
    }
}

/// candle's own `vec_dot` for one row: weights and activations quantized
/// by candle from the same values.
fn candle_dot<T: candle_core::quantized::k_quants::GgmlType>(w: &[f32], x: &[f32]) -> f32 {
    use candle_core::quantized::k_quants::GgmlType;
    let mut wb = vec![T::zeros(); w.len() / T::BLCK_SIZE];
    T::from_float(w, &mut wb);
    let vb = T::VecDotType::BLCK_SIZE;
    let mut xb = vec![T::VecDotType::zeros(); x.len() / vb];
    T::VecDotType::from_float(x, &mut xb);
    T::vec_dot(w.len(), &wb, &xb)
}

#[test]
fn the_scalar_path_agrees_with_candles_own_dot_products() {
    // candle's `vec_dot` quantizes the activations as we do: a tight check
    // that our formats are read as ggml reads them.
    use candle_core::quantized::k_quants::*;
    let mut rng = Rng(3);
    for &(f, dtype) in FORMATS {
        if f.act_kind() == ActKind::F32 {
            continue;
        }
        let cols = cols_for(f)[1];
        for _ in 0..4 {
            let w = rng.values(cols);
            let x = rng.values(cols);
            let t = Tensor::from_vec(w.clone(), (1, cols), &Device::Cpu).unwrap();
            let bytes = QTensor::quantize(&t, dtype)
                .unwrap()
                .data()
                .unwrap()
                .into_owned();
            let expected = match f {
                Format::Q4_0 => candle_dot::<BlockQ4_0>(&w, &x),
                Format::Q4_1 => candle_dot::<BlockQ4_1>(&w, &x),
                Format::Q5_0 => candle_dot::<BlockQ5_0>(&w, &x),
                Format::Q5_1 => candle_dot::<BlockQ5_1>(&w, &x),
                Format::Q8_0 => candle_dot::<BlockQ8_0>(&w, &x),
                Format::Q4K => candle_dot::<BlockQ4K>(&w, &x),
                Format::Q5K => candle_dot::<BlockQ5K>(&w, &x),
                _ => candle_dot::<BlockQ6K>(&w, &x),
            };
            let got = scalar(f, &bytes, &x);
            let magnitude: f32 = w.iter().zip(&x).map(|(a, b)| (a * b).abs()).sum();
            // Q4_1/Q5_1: candle's activations (Q8_1) keep their sum in
            // f16, ours in f32.
            let bound = if matches!(f, Format::Q4_1 | Format::Q5_1) {
                3e-4
            } else {
                1e-5
            };
            assert!(
                (got - expected).abs() <= bound * magnitude,
                "{f:?}: ours {got} vs candle {expected}"
            );
        }
    }
}

#[test]
fn many_rows_in_one_call_give_the_bits_of_one_row_at_a_time() {
    let mut rng = Rng(11);
    for &(f, dtype) in FORMATS {
        let cols = cols_for(f)[1];
        let rows = 7;
        let (bytes, _) = weights(dtype, rows, cols, &mut rng);
        let rb = f.row_bytes(cols).unwrap();
        let xs: Vec<Vec<f32>> = (0..6).map(|_| rng.values(cols)).collect();
        let mut together = vec![0.0; rows * xs.len()];
        match f.act_kind() {
            ActKind::Q8 => {
                let q: Vec<Vec<Q8Block>> = xs
                    .iter()
                    .map(|x| {
                        let mut b = Vec::new();
                        quantize_q8(x, &mut b);
                        b
                    })
                    .collect();
                let refs: Vec<&[Q8Block]> = q.iter().map(|b| b.as_slice()).collect();
                dot_q8(f, &bytes, rb, &refs, &mut together);
            }
            ActKind::Q8K => {
                let q: Vec<Vec<Q8KBlock>> = xs
                    .iter()
                    .map(|x| {
                        let mut b = Vec::new();
                        quantize_q8k(x, &mut b);
                        b
                    })
                    .collect();
                let refs: Vec<&[Q8KBlock]> = q.iter().map(|b| b.as_slice()).collect();
                dot_q8k(f, &bytes, rb, &refs, &mut together);
            }
            ActKind::F32 => {
                let refs: Vec<&[f32]> = xs.iter().map(|x| x.as_slice()).collect();
                dot_float(f, &bytes, rb, &refs, &mut together);
            }
        }
        for r in 0..rows {
            let one = kernel(f, &bytes[r * rb..(r + 1) * rb], &xs);
            for (t, v) in one.iter().enumerate() {
                assert_eq!(
                    v.to_bits(),
                    together[r * xs.len() + t].to_bits(),
                    "{f:?} row {r}"
                );
            }
        }
    }
}

/// Row `lane` of one group, dequantized into the slice.
type RowReader = fn(&[u8], usize, &mut [f32]);

/// A kernel over whole groups: data, blocks per row, activations, output.
type GroupKernel<A> = fn(&[u8], usize, &[&[A]], &mut [f32]);
/// The scalar reference for one group.
type GroupReference<A> = fn(&[u8], &[&[A]], &mut [f32]);

/// How one regrouped layout is made, read and multiplied.
struct Regrouped<A> {
    format: Format,
    dtype: GgmlDType,
    cols: [usize; 2],
    group_block: usize,
    regroup: fn(&[u8], usize, usize) -> Vec<u8>,
    dequantize: Option<RowReader>,
    quantize: fn(&[f32], &mut Vec<A>),
    kernel: GroupKernel<A>,
    scalar: GroupReference<A>,
    stored: fn(Format, &[u8], &[A]) -> f32,
}

/// A regrouped matrix gives the values (where it is looked up) and the dot
/// products of its rows as stored, in the kernel and in the scalar
/// reference, and the same bits for a token alone or in any batch.
fn check_regrouped<A>(case: Regrouped<A>, seed: u64) {
    let mut rng = Rng(seed);
    for cols in case.cols {
        let rows = 16;
        let (bytes, dense) = weights(case.dtype, rows, cols, &mut rng);
        let grouped = (case.regroup)(&bytes, rows, cols);
        let rb = case.format.row_bytes(cols).unwrap();
        let blocks = cols / case.format.block_values();
        let gb = blocks * case.group_block;
        assert_eq!(grouped.len(), rows / 8 * gb);
        if let Some(dequantize) = case.dequantize {
            for r in 0..rows {
                let mut row = vec![0.0; cols];
                dequantize(&grouped[r / 8 * gb..(r / 8 + 1) * gb], r % 8, &mut row);
                for (g, e) in row.iter().zip(&dense[r * cols..(r + 1) * cols]) {
                    assert!(
                        (g - e).abs() <= 1e-6 * e.abs().max(1.0),
                        "{:?} row {r}",
                        case.format
                    );
                }
            }
        }
        for tokens in [1, 2, 3, 4, 5, 8, 9] {
            let q: Vec<Vec<A>> = (0..tokens)
                .map(|_| {
                    let mut b = Vec::new();
                    (case.quantize)(&rng.values(cols), &mut b);
                    b
                })
                .collect();
            let refs: Vec<&[A]> = q.iter().map(|b| b.as_slice()).collect();
            let mut got = vec![0.0; rows * tokens];
            (case.kernel)(&grouped, blocks, &refs, &mut got);
            let mut scalar = vec![0.0; rows * tokens];
            for g in 0..rows / 8 {
                let out = &mut scalar[g * 8 * tokens..(g + 1) * 8 * tokens];
                (case.scalar)(&grouped[g * gb..(g + 1) * gb], &refs, out);
            }
            for r in 0..rows {
                for t in 0..tokens {
                    let stored = (case.stored)(case.format, &bytes[r * rb..(r + 1) * rb], &q[t]);
                    let (g, s) = (got[r * tokens + t], scalar[r * tokens + t]);
                    let bound = 1e-5 * stored.abs().max(1.0) * blocks as f32;
                    let f = case.format;
                    assert!(
                        (g - stored).abs() <= bound,
                        "{f:?} row {r} token {t}: {g} vs {stored}"
                    );
                    assert!(
                        (s - stored).abs() <= bound,
                        "{f:?} scalar row {r}: {s} vs {stored}"
                    );
                }
            }
            for t in 0..tokens {
                let mut alone = vec![0.0; rows];
                (case.kernel)(&grouped, blocks, &refs[t..t + 1], &mut alone);
                for r in 0..rows {
                    let batch = got[r * tokens + t];
                    assert_eq!(
                        alone[r].to_bits(),
                        batch.to_bits(),
                        "{:?} row {r} token {t}",
                        case.format
                    );
                }
            }
        }
    }
}

/// A regrouped kernel at a given level: level, data, blocks, acts, out.
type KernelAt<A> = fn(Level, &[u8], usize, &[&[A]], &mut [f32]);

/// Every level this CPU runs gives the bits of the best one for the
/// regrouped matrix `grouped`, for every batch size and odd tiles (the
/// scalar reference within rounding).
fn every_level_gives_the_same_bits<A>(
    grouped: &[u8],
    rows: usize,
    cols: usize,
    block_values: usize,
    quantize: fn(&[f32], &mut Vec<A>),
    kernel_at: KernelAt<A>,
    rng: &mut Rng,
) {
    let blocks = cols / block_values;
    for tokens in [1, 2, 3, 4, 5, 7, 9] {
        let q: Vec<Vec<A>> = (0..tokens)
            .map(|_| {
                let mut b = Vec::new();
                quantize(&rng.values(cols), &mut b);
                b
            })
            .collect();
        let refs: Vec<&[A]> = q.iter().map(|b| b.as_slice()).collect();
        let mut best = vec![0.0; rows * tokens];
        kernel_at(level(), grouped, blocks, &refs, &mut best);
        for l in available_levels() {
            let mut other = vec![0.0; rows * tokens];
            kernel_at(l, grouped, blocks, &refs, &mut other);
            if l == Level::Scalar {
                for (o, b) in other.iter().zip(&best) {
                    assert!((o - b).abs() <= 1e-4 * b.abs().max(1.0), "{o} vs {b}");
                }
                continue;
            }
            let same = other
                .iter()
                .zip(&best)
                .all(|(o, b)| o.to_bits() == b.to_bits());
            assert!(same, "{l:?} vs {:?}, {tokens} tokens", level());
        }
    }
}

/// The AVX2 kernels (`maddubs`) and the VNNI ones (`vpdpbusd`) of
/// regrouped Q4_K and Q8_0 make the same integer sums and the same float
/// steps, so a machine's results do not depend on which it runs. The Q8_0
/// matrix holds −128 too (a file may; ggml's quantizer never writes it),
/// the one weight whose magnitude is not a signed byte.
#[test]
fn the_regrouped_kernels_of_every_level_give_the_same_bits() {
    use crate::cpu::interleave as il;
    let mut rng = Rng(77);
    let (rows, cols) = (24, 1536);
    let (bytes, _) = weights(GgmlDType::Q4K, rows, cols, &mut rng);
    let grouped = il::regroup_q4k(&bytes, rows, cols);
    let q4k = quantize_q8k;
    every_level_gives_the_same_bits(&grouped, rows, cols, 256, q4k, dot_q4k_x8_at, &mut rng);

    let (rows, cols) = (24, 896);
    let (mut bytes, _) = weights(GgmlDType::Q8_0, rows, cols, &mut rng);
    for block in bytes.chunks_exact_mut(34).step_by(3) {
        block[2..34].iter_mut().step_by(5).for_each(|q| *q = 0x80);
    }
    let grouped = il::regroup_q8_0(&bytes, rows, cols);
    let q8 = quantize_q8;
    every_level_gives_the_same_bits(&grouped, rows, cols, 32, q8, dot_q8_0_x8_at, &mut rng);

    let (bytes, _) = weights(GgmlDType::Q5_0, rows, cols, &mut rng);
    let grouped = il::regroup_as_q8_0(Format::Q5_0, &bytes, rows, cols);
    every_level_gives_the_same_bits(&grouped, rows, cols, 32, q8, dot_q8_0_x8_at, &mut rng);
}

#[test]
fn regrouped_rows_give_the_values_and_dot_products_of_the_rows_as_stored() {
    use crate::cpu::interleave as il;
    check_regrouped(
        Regrouped {
            format: Format::Q4K,
            dtype: GgmlDType::Q4K,
            cols: [256, 1536],
            group_block: il::GROUP_BLOCK,
            regroup: il::regroup_q4k,
            dequantize: None,
            quantize: quantize_q8k,
            kernel: dot_q4k_x8,
            scalar: il::dot_group_scalar,
            stored: quant::dot_q8k,
        },
        21,
    );
    check_regrouped(
        Regrouped {
            format: Format::Q6K,
            dtype: GgmlDType::Q6K,
            cols: [256, 1536],
            group_block: il::Q6_GROUP_BLOCK,
            regroup: il::regroup_q6k,
            dequantize: Some(il::dequantize_q6k_row),
            quantize: quantize_q8k,
            kernel: dot_q6k_x8,
            scalar: il::dot_q6_group_scalar,
            stored: quant::dot_q8k,
        },
        44,
    );
    check_regrouped(
        Regrouped {
            format: Format::Q8_0,
            dtype: GgmlDType::Q8_0,
            cols: [32, 896],
            group_block: il::Q8_GROUP_BLOCK,
            regroup: il::regroup_q8_0,
            dequantize: Some(il::dequantize_q8_0_row),
            quantize: quantize_q8,
            kernel: dot_q8_0_x8,
            scalar: il::dot_q8_group_scalar,
            stored: quant::dot_q8,
        },
        33,
    );
    check_regrouped(
        Regrouped {
            format: Format::Q5_0,
            dtype: GgmlDType::Q5_0,
            cols: [32, 896],
            group_block: il::Q8_GROUP_BLOCK,
            regroup: |b, r, c| il::regroup_as_q8_0(Format::Q5_0, b, r, c),
            dequantize: Some(il::dequantize_q8_0_row),
            quantize: quantize_q8,
            kernel: dot_q8_0_x8,
            scalar: il::dot_q8_group_scalar,
            stored: quant::dot_q8,
        },
        55,
    );
}

#[test]
fn attention_loops_give_the_portable_bits() {
    let mut rng = Rng(0x5eed_a77e);
    for hd in [64, 80, 128, 13] {
        let q = rng.values(hd);
        let keys = rng.values(4 * hd);
        assert_eq!(
            dot(&q, &keys[..hd]).to_bits(),
            crate::cpu::loops::dot(&q, &keys[..hd]).to_bits()
        );
        let fast = dot4(&q, &keys);
        let plain = crate::cpu::loops::dot4(&q, &keys);
        for (a, b) in fast.iter().zip(plain) {
            assert_eq!(a.to_bits(), b.to_bits(), "hd {hd}");
        }
        for n in [1, 3, 64] {
            let p = rng.values(n);
            let values = rng.values(n * hd);
            let start = rng.values(hd);
            let (mut a, mut b) = (start.clone(), start);
            weighted_sum(&p, &values, hd, &mut a);
            crate::cpu::loops::weighted_sum(&p, &values, hd, &mut b);
            assert_eq!(
                a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "hd {hd}, n {n}"
            );
        }
    }
}

#[test]
fn f16_conversions_round_as_half_does() {
    use half::f16;
    let mut rng = Rng(0xf16);
    for n in [0, 1, 7, 8, 9, 64, 131] {
        let mut x = rng.values(n);
        // Magnitudes f16 rounds, flushes to subnormal or overflows.
        for (i, v) in x.iter_mut().enumerate() {
            *v *= [1.0, 1e-6, 7e4, 3.0e-8, 1e5][i % 5];
        }
        let mut ours = vec![f16::ZERO; n];
        f32_to_f16(&x, &mut ours);
        let theirs: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
        assert_eq!(
            ours.iter().map(|h| h.to_bits()).collect::<Vec<_>>(),
            theirs.iter().map(|h| h.to_bits()).collect::<Vec<_>>(),
            "n {n}"
        );
        let mut back = vec![0f32; n];
        f16_to_f32(&ours, &mut back);
        for (b, h) in back.iter().zip(&theirs) {
            assert_eq!(b.to_bits(), h.to_f32().to_bits());
        }
    }
}

#[test]
fn vectorised_loops_run_on_this_cpu() {
    struct Sum<'a>(&'a [f32]);
    impl Vectorised for Sum<'_> {
        type Output = f32;
        #[inline(always)]
        fn run(self) -> f32 {
            crate::cpu::loops::dot(self.0, self.0)
        }
    }
    let x = Rng(9).values(100);
    let plain = crate::cpu::loops::dot(&x, &x);
    assert_eq!(run_vectorised(Sum(&x)).to_bits(), plain.to_bits());
    assert_eq!(
        vectorised(|| crate::cpu::loops::dot(&x, &x)).to_bits(),
        plain.to_bits()
    );
}

/// The softmax and SiLU loops (and their vectorisable `exp`) give the
/// portable build's bits when compiled for AVX2 + FMA: `mul_add` is one
/// rounding in both, and nothing else is reordered.
#[test]
fn softmax_and_silu_give_the_portable_bits() {
    struct Both<'a> {
        scores: &'a mut [f32],
        gate: &'a mut [f32],
        up: &'a [f32],
    }
    impl Vectorised for Both<'_> {
        type Output = ();
        #[inline(always)]
        fn run(self) {
            crate::cpu::loops::softmax(self.scores);
            crate::cpu::loops::silu_mul(self.gate, self.up);
        }
    }
    let mut rng = Rng(0xe4b);
    for n in [1, 7, 8, 100, 1201] {
        let scores: Vec<f32> = rng.values(n).iter().map(|v| v * 20.0).collect();
        let gate: Vec<f32> = rng.values(n).iter().map(|v| v * 30.0).collect();
        let up = rng.values(n);
        let (mut s1, mut g1) = (scores.clone(), gate.clone());
        run_vectorised(Both {
            scores: &mut s1,
            gate: &mut g1,
            up: &up,
        });
        let (mut s2, mut g2) = (scores, gate);
        crate::cpu::loops::softmax(&mut s2);
        crate::cpu::loops::silu_mul(&mut g2, &up);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&s1), bits(&s2), "softmax of {n}");
        assert_eq!(bits(&g1), bits(&g2), "SiLU of {n}");
    }
}
