//! The f32 loops of attention and the feed-forward's SiLU, in plain Rust
//! (with an `exp` that vectorises): the portable reference and
//! the source that `raw` compiles again for AVX2 + FMA (the executable is
//! built for baseline x86-64). Each sums in a fixed order (explicit lanes),
//! so every compilation gives the same bits.

/// Σ a·b, vectorised where the CPU allows.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let done = a.len() / 8 * 8;
    let tail: f32 = a[done..].iter().zip(&b[done..]).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// `dot(q, k_x)` for the four consecutive rows `k_x` of `keys`, each
/// summed exactly as [`dot`] sums.
#[inline(always)]
pub fn dot4(q: &[f32], keys: &[f32]) -> [f32; 4] {
    let hd = q.len();
    let k = [
        &keys[..hd],
        &keys[hd..2 * hd],
        &keys[2 * hd..3 * hd],
        &keys[3 * hd..4 * hd],
    ];
    let mut acc = [[0f32; 8]; 4];
    let main = hd / 8 * 8;
    for c in (0..main).step_by(8) {
        let x = &q[c..c + 8];
        for (a, key) in acc.iter_mut().zip(k) {
            let y = &key[c..c + 8];
            for l in 0..8 {
                a[l] += x[l] * y[l];
            }
        }
    }
    let sum = |x: usize| {
        let tail: f32 = q[main..]
            .iter()
            .zip(&k[x][main..])
            .map(|(a, b)| a * b)
            .sum();
        acc[x].iter().sum::<f32>() + tail
    };
    [sum(0), sum(1), sum(2), sum(3)]
}

/// `out` += Σ_j `p[j]` · row `j` of `values` (rows of `out.len()`), the
/// terms added in order of j.
#[inline(always)]
pub fn weighted_sum(p: &[f32], values: &[f32], hd: usize, out: &mut [f32]) {
    const W: usize = 32;
    let mut chunks = out.chunks_exact_mut(W);
    for (c, o) in chunks.by_ref().enumerate() {
        let mut acc: [f32; W] = std::array::from_fn(|l| o[l]);
        for (pj, vj) in p.iter().zip(values.chunks_exact(hd)) {
            let v = &vj[c * W..(c + 1) * W];
            for l in 0..W {
                acc[l] += pj * v[l];
            }
        }
        o.copy_from_slice(&acc);
    }
    let done = hd / W * W;
    for (i, o) in chunks.into_remainder().iter_mut().enumerate() {
        *o = p
            .iter()
            .zip(values.chunks_exact(hd))
            .fold(*o, |a, (pj, vj)| a + pj * vj[done + i]);
    }
}

/// e^`x` within 2 ulp, in operations that vectorise. libm's `expf` is a
/// call per value: the softmax over a prompt's scores and the SiLU of
/// every feed-forward value made a 1.5B prefill step spend a tenth of its
/// time in it. The method is Cephes': `x = n·ln 2 + r` with n an integer
/// (rounded by adding 1.5·2²³) and |r| ≤ ln 2 / 2, a degree-6 polynomial
/// for e^r, and 2ⁿ put straight into the exponent bits. Below −87.9 it
/// gives 0 (e^x is subnormal there), above 88 it gives e^88; NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    // ln 2 in two parts: the first has few bits, so n · LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-88.0, 88.0);
    let t = x.mul_add(std::f32::consts::LOG2_E, MAGIC);
    let n = t - MAGIC;
    let r = (-n).mul_add(LN2_HI, x);
    let r = (-n).mul_add(LN2_LO, r);
    let mut p = 1.987_569_1e-4_f32;
    p = p.mul_add(r, 1.398_199_9e-3);
    p = p.mul_add(r, 8.333_452e-3);
    p = p.mul_add(r, 4.166_579_6e-2);
    p = p.mul_add(r, 1.666_666_5e-1);
    p = p.mul_add(r, 0.5);
    let p = p.mul_add(r * r, r) + 1.0;
    // t's low bits are n (t and MAGIC share an exponent); n = −127 gives
    // the bits of 0.
    let n_bits = (t.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let scale = f32::from_bits((n_bits.wrapping_add(127) << 23) as u32);
    p * scale
}

/// `row` ← softmax(`row`), the sum taken in order.
#[inline(always)]
pub fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for s in row.iter_mut() {
        *s = exp(*s - max);
    }
    let sum: f32 = row.iter().fold(0.0, |a, s| a + s);
    for s in row.iter_mut() {
        *s /= sum;
    }
}

/// `gate` ← SiLU(`gate`) · `up`.
#[inline(always)]
pub fn silu_mul(gate: &mut [f32], up: &[f32]) {
    for (g, u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + exp(-*g)) * u;
    }
}

#[cfg(test)]
mod tests {
    /// Within 2 ulp of e^x over the range a model's scores and gates take,
    /// exact at 0, 0 far below, NaN kept.
    #[test]
    fn exp_is_within_two_ulp_of_the_true_value() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut worst = 0f64;
        for i in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            let x = if i % 2 == 0 {
                unit * 175.0 - 87.0
            } else {
                unit * 8.0 - 4.0
            };
            let got = super::exp(x) as f64;
            let want = (x as f64).exp();
            let ulp = (want as f32).abs() as f64 * f32::EPSILON as f64;
            worst = worst.max((got - want).abs() / ulp);
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
        assert_eq!(super::exp(0.0), 1.0);
        assert_eq!(super::exp(-100.0), 0.0);
        assert!(super::exp(f32::NAN).is_nan());
        assert!(super::exp(100.0).is_finite());
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_the_order() {
        let mut row = vec![1.0, 3.0, -2.0, 3.0, 0.5];
        super::softmax(&mut row);
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
        assert!(row[1] == row[3] && row[1] > row[0] && row[0] > row[4] && row[4] > row[2]);
    }
}
