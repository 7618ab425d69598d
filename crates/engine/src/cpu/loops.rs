//! The f32 loops of attention, in plain Rust: the portable reference and
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
