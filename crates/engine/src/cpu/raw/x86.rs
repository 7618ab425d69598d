//! x86-64 dot products of weight rows with up to [`crate::cpu::raw::TILE`] tokens.
//!
//! The integer products use `maddubs` (unsigned × signed bytes into i16
//! pairs) and `madd` (i16 pairs into i32), as the GGUF block layouts were
//! designed for; the f32 scale of each block multiplies the integer sum once.
//! Only the loads need `unsafe`; each checks its slice's length first.
//!
//! The same source is compiled twice: for AVX2 (the x86-64-v3 baseline) and
//! for AVX-512 with VNNI (Zen 4, Ice Lake and later), where the compiler has
//! 32 vector registers for the four tokens' accumulators and `vpdpbusd`
//! does a `maddubs` + `madd` in one instruction. Both give the same integer
//! sums (our values never reach `maddubs`' saturation), and one machine
//! always runs one of them, so results do not depend on the batch.

macro_rules! kernels {
    ($features:literal) => {
        #[inline]
        #[target_feature(enable = $features)]
        fn load(s: &[u8]) -> __m256i {
            assert!(s.len() >= 32);
            // SAFETY: 32 bytes are readable at `s` (asserted); `loadu` has no
            // alignment requirement.
            unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn load_i8(s: &[i8]) -> __m256i {
            assert!(s.len() >= 32);
            // SAFETY: as in `load`.
            unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn load16(s: &[u8]) -> __m128i {
            assert!(s.len() >= 16);
            // SAFETY: 16 bytes are readable at `s` (asserted), unaligned load.
            unsafe { _mm_loadu_si128(s.as_ptr().cast()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn load8(s: &[u8]) -> __m128i {
            assert!(s.len() >= 8);
            // SAFETY: 8 bytes are readable at `s` (asserted); `loadl` reads just
            // those, unaligned.
            unsafe { _mm_loadl_epi64(s.as_ptr().cast()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn load_i16(s: &[i16]) -> __m256i {
            assert!(s.len() >= 16);
            // SAFETY: 16 i16 (32 bytes) are readable at `s` (asserted), unaligned.
            unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn load_f32(s: &[f32]) -> __m256 {
            assert!(s.len() >= 8);
            // SAFETY: 8 floats are readable at `s` (asserted), unaligned load.
            unsafe { _mm256_loadu_ps(s.as_ptr()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn load_f32_bytes(s: &[u8]) -> __m256 {
            assert!(s.len() >= 32);
            // SAFETY: 32 bytes (8 little-endian f32) are readable at `s`
            // (asserted); unaligned load.
            unsafe { _mm256_loadu_ps(s.as_ptr().cast()) }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn hsum(v: __m256) -> f32 {
            let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_movehdup_ps(s));
            _mm_cvtss_f32(s)
        }

        /// Each bit of `x` as a byte of all ones or all zeros (bit j → byte j).
        #[inline]
        #[target_feature(enable = $features)]
        fn bytes_from_bits(x: u32) -> __m256i {
            let spread = _mm256_set_epi64x(
                0x0303_0303_0303_0303,
                0x0202_0202_0202_0202,
                0x0101_0101_0101_0101,
                0,
            );
            let bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(x as i32), spread);
            let bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbf_dfef_f7fb_fdfe));
            _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1))
        }

        /// The 32 values of a legacy block as bytes: signed for Q4_0, Q5_0 and
        /// Q8_0 (their offset applied), unsigned for Q4_1 and Q5_1.
        #[inline]
        #[target_feature(enable = $features)]
        fn legacy_values<const F: u8>(b: &[u8]) -> __m256i {
            let nibbles = |qs: &[u8]| {
                let t = load16(qs);
                _mm256_and_si256(
                    _mm256_set_m128i(_mm_srli_epi16::<4>(t), t),
                    _mm256_set1_epi8(0x0F),
                )
            };
            let qh = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            match F {
                Q4_0 => _mm256_sub_epi8(nibbles(&b[2..18]), _mm256_set1_epi8(8)),
                Q4_1 => nibbles(&b[4..20]),
                Q5_0 => {
                    // Where the fifth bit is clear the value is nibble − 16, which
                    // as a signed byte is the nibble with 0xF0 set.
                    let high =
                        _mm256_andnot_si256(bytes_from_bits(qh(2)), _mm256_set1_epi8(0xF0u8 as i8));
                    _mm256_or_si256(nibbles(&b[6..22]), high)
                }
                Q5_1 => {
                    let high = _mm256_and_si256(bytes_from_bits(qh(4)), _mm256_set1_epi8(0x10));
                    _mm256_or_si256(nibbles(&b[8..24]), high)
                }
                _ => load(&b[2..34]),
            }
        }

        /// Runs `kernel` on every row of `rows` and every tile of `acts`, writing
        /// `out[r · tokens + t]`.
        #[inline(always)]
        fn each_row<A>(
            rows: &[u8],
            row_bytes: usize,
            acts: &[&[A]],
            out: &mut [f32],
            mut kernel: impl FnMut(&[u8], &[&[A]], &mut [f32]),
        ) {
            let n = acts.len();
            for (row, o) in rows.chunks_exact(row_bytes).zip(out.chunks_exact_mut(n)) {
                // Decode and lookup's verification stream each row once:
                // ask for the bytes ahead, as the regrouped kernels do for
                // their groups (1.5B Q8_0 on AVX2: 6.0 → 8.1 t/s). A
                // prefill chunk is bound by the arithmetic instead, and
                // there it cost 10 %.
                if n <= super::PREFETCH_MAX_TOKENS {
                    // SAFETY: `each_row` is inlined only into this module's
                    // kernels, compiled for the features `prefetch_ahead`
                    // is; a prefetch reads nothing and never faults.
                    unsafe { prefetch_ahead(row) };
                }
                for (a, o) in acts
                    .chunks(crate::cpu::raw::TILE)
                    .zip(o.chunks_mut(crate::cpu::raw::TILE))
                {
                    kernel(row, a, o);
                }
            }
        }

        #[target_feature(enable = $features)]
        pub fn dot_q8(
            f: Format,
            rows: &[u8],
            row_bytes: usize,
            acts: &[&[Q8Block]],
            out: &mut [f32],
        ) {
            match f {
                Format::Q4_0 => q8_rows::<Q4_0>(rows, row_bytes, acts, out),
                Format::Q4_1 => q8_rows::<Q4_1>(rows, row_bytes, acts, out),
                Format::Q5_0 => q8_rows::<Q5_0>(rows, row_bytes, acts, out),
                Format::Q5_1 => q8_rows::<Q5_1>(rows, row_bytes, acts, out),
                _ => q8_rows::<Q8_0>(rows, row_bytes, acts, out),
            }
        }

        /// The legacy formats as const parameters, so each gets its own
        /// loop with the unpacking inlined.
        const Q4_0: u8 = 0;
        const Q4_1: u8 = 1;
        const Q5_0: u8 = 2;
        const Q5_1: u8 = 3;
        const Q8_0: u8 = 4;

        #[inline]
        #[target_feature(enable = $features)]
        fn q8_rows<const F: u8>(
            rows: &[u8],
            row_bytes: usize,
            acts: &[&[Q8Block]],
            out: &mut [f32],
        ) {
            each_row(rows, row_bytes, acts, out, |row, a, o| match a.len() {
                1 => q8::<1, F>(row, a, o),
                2 => q8::<2, F>(row, a, o),
                3 => q8::<3, F>(row, a, o),
                _ => q8::<4, F>(row, a, o),
            })
        }

        /// An f16 from two little-endian bytes, in one instruction.
        #[inline]
        #[target_feature(enable = $features)]
        fn f16x(b: &[u8], at: usize) -> f32 {
            let bits = u16::from_le_bytes([b[at], b[at + 1]]);
            _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits as i32)))
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn q8<const N: usize, const F: u8>(row: &[u8], acts: &[&[Q8Block]], out: &mut [f32]) {
            let signed = matches!(F, Q4_0 | Q5_0 | Q8_0);
            let bytes = match F {
                Q4_0 => 18,
                Q4_1 => 20,
                Q5_0 => 22,
                Q5_1 => 24,
                _ => 34,
            };
            // Two accumulators per token, alternating by block, so that a
            // single token (decode) is not bound by the latency of one
            // chain of fused multiply-adds; the same for every N.
            let mut acc = [[_mm256_setzero_ps(); 2]; N];
            let mut mins = [0f32; N];
            for (i, b) in row.chunks_exact(bytes).enumerate() {
                let w = legacy_values::<F>(b);
                let d = f16x(b, 0);
                let k = i & 1;
                if signed {
                    // maddubs wants one unsigned side: |w| and the sign moved to a.
                    let abs = _mm256_sign_epi8(w, w);
                    for t in 0..N {
                        let a = &acts[t][i];
                        let p = mul_us(abs, _mm256_sign_epi8(load_i8(&a.qs), w));
                        acc[t][k] = _mm256_fmadd_ps(
                            _mm256_set1_ps(d * a.d),
                            _mm256_cvtepi32_ps(p),
                            acc[t][k],
                        );
                    }
                } else {
                    let m = f16x(b, 2);
                    for t in 0..N {
                        let a = &acts[t][i];
                        let p = mul_us(w, load_i8(&a.qs));
                        acc[t][k] = _mm256_fmadd_ps(
                            _mm256_set1_ps(d * a.d),
                            _mm256_cvtepi32_ps(p),
                            acc[t][k],
                        );
                        mins[t] += m * a.sum;
                    }
                }
            }
            for t in 0..N {
                out[t] = hsum(_mm256_add_ps(acc[t][0], acc[t][1])) + mins[t];
            }
        }

        #[target_feature(enable = $features)]
        pub fn dot_q8k(
            f: Format,
            rows: &[u8],
            row_bytes: usize,
            acts: &[&[Q8KBlock]],
            out: &mut [f32],
        ) {
            match f {
                Format::Q6K => each_row(rows, row_bytes, acts, out, |row, a, o| match a.len() {
                    1 => q6k::<1>(row, a, o),
                    2 => q6k::<2>(row, a, o),
                    3 => q6k::<3>(row, a, o),
                    _ => q6k::<4>(row, a, o),
                }),
                Format::Q5K => each_row(rows, row_bytes, acts, out, |row, a, o| match a.len() {
                    1 => q45k::<1, true>(row, a, o),
                    2 => q45k::<2, true>(row, a, o),
                    3 => q45k::<3, true>(row, a, o),
                    _ => q45k::<4, true>(row, a, o),
                }),
                _ => each_row(rows, row_bytes, acts, out, |row, a, o| match a.len() {
                    1 => q45k::<1, false>(row, a, o),
                    2 => q45k::<2, false>(row, a, o),
                    3 => q45k::<3, false>(row, a, o),
                    _ => q45k::<4, false>(row, a, o),
                }),
            }
        }

        /// Q4_K, and Q5_K when `five` (its fifth bits in 32 bytes before the
        /// nibbles).
        #[inline]
        #[target_feature(enable = $features)]
        fn q45k<const N: usize, const FIVE: bool>(
            row: &[u8],
            acts: &[&[Q8KBlock]],
            out: &mut [f32],
        ) {
            let five = FIVE;
            let bytes = if five { 176 } else { 144 };
            let m4 = _mm256_set1_epi8(0x0F);
            let one = _mm256_set1_epi8(1);
            let mut acc = [_mm256_setzero_ps(); N];
            let mut mins = [_mm256_setzero_ps(); N];
            for (i, b) in row.chunks_exact(bytes).enumerate() {
                let d = f16x(b, 0);
                let dmin = f16x(b, 2);
                let (sc, mn) = scales_mins_k4(&b[4..16]);
                let (qh, qs) = if five {
                    (load(&b[16..48]), &b[48..176])
                } else {
                    (_mm256_setzero_si256(), &b[16..144])
                };
                let mut sums = [_mm256_setzero_si256(); N];
                for c in 0..4 {
                    let bits = load(&qs[32 * c..]);
                    let mut lo = _mm256_and_si256(bits, m4);
                    let mut hi = _mm256_and_si256(_mm256_srli_epi16::<4>(bits), m4);
                    if five {
                        let fifth = |shift: usize| {
                            let s = _mm256_srl_epi16(qh, _mm_cvtsi32_si128(shift as i32));
                            _mm256_slli_epi16::<4>(_mm256_and_si256(s, one))
                        };
                        lo = _mm256_or_si256(lo, fifth(2 * c));
                        hi = _mm256_or_si256(hi, fifth(2 * c + 1));
                    }
                    let s_lo = _mm256_set1_epi16(sc[2 * c] as i16);
                    let s_hi = _mm256_set1_epi16(sc[2 * c + 1] as i16);
                    for t in 0..N {
                        let a = &acts[t][i].qs[64 * c..];
                        let x_lo = _mm256_maddubs_epi16(lo, load_i8(a));
                        let x_hi = _mm256_maddubs_epi16(hi, load_i8(&a[32..]));
                        sums[t] = madd_add(madd_add(sums[t], s_lo, x_lo), s_hi, x_hi);
                    }
                }
                // Each minimum twice, against the sums of the two 16s it covers.
                let mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(load8(&mn), load8(&mn)));
                for t in 0..N {
                    let a = &acts[t][i];
                    acc[t] = _mm256_fmadd_ps(
                        _mm256_set1_ps(a.d * d),
                        _mm256_cvtepi32_ps(sums[t]),
                        acc[t],
                    );
                    let m = _mm256_madd_epi16(mins16, load_i16(&a.bsums));
                    mins[t] =
                        _mm256_fmadd_ps(_mm256_set1_ps(a.d * dmin), _mm256_cvtepi32_ps(m), mins[t]);
                }
            }
            for t in 0..N {
                out[t] = hsum(acc[t]) - hsum(mins[t]);
            }
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn q6k<const N: usize>(row: &[u8], acts: &[&[Q8KBlock]], out: &mut [f32]) {
            let m4 = _mm256_set1_epi8(0x0F);
            let m30 = _mm256_set1_epi8(0x30);
            // Picks i16 scale 2k for bytes 0–15 and 2k + 1 for bytes 16–31
            // from a register holding a half's 8 scales in both lanes.
            let pick: [__m256i; 4] = std::array::from_fn(|k| {
                // Bytes 2j and 2j + 1 (i16 j, little-endian) in every pair.
                let i16_at = |j: i16| _mm_set1_epi16(((2 * j + 1) << 8) | (2 * j));
                let k = k as i16;
                _mm256_set_m128i(i16_at(2 * k + 1), i16_at(2 * k))
            });
            let mut acc = [_mm256_setzero_ps(); N];
            for (i, b) in row.chunks_exact(210).enumerate() {
                let d = f16x(b, 208);
                let sc16 = _mm256_cvtepi8_epi16(load16(&b[192..208]));
                let mut sums = [_mm256_setzero_si256(); N];
                for h in 0..2 {
                    let b1 = load(&b[64 * h..]);
                    let b2 = load(&b[64 * h + 32..]);
                    let bh = load(&b[128 + 32 * h..]);
                    let half = if h == 0 {
                        _mm256_permute2x128_si256::<0x00>(sc16, sc16)
                    } else {
                        _mm256_permute2x128_si256::<0x11>(sc16, sc16)
                    };
                    // Each byte of `bh` holds the top two bits of the four
                    // values in turn; moved to bits 4–5 of each.
                    let q = [
                        _mm256_or_si256(
                            _mm256_and_si256(b1, m4),
                            _mm256_and_si256(_mm256_slli_epi16::<4>(bh), m30),
                        ),
                        _mm256_or_si256(
                            _mm256_and_si256(b2, m4),
                            _mm256_and_si256(_mm256_slli_epi16::<2>(bh), m30),
                        ),
                        _mm256_or_si256(
                            _mm256_and_si256(_mm256_srli_epi16::<4>(b1), m4),
                            _mm256_and_si256(bh, m30),
                        ),
                        _mm256_or_si256(
                            _mm256_and_si256(_mm256_srli_epi16::<4>(b2), m4),
                            _mm256_and_si256(_mm256_srli_epi16::<2>(bh), m30),
                        ),
                    ];
                    for k in 0..4 {
                        let s = _mm256_shuffle_epi8(half, pick[k]);
                        for t in 0..N {
                            let a = &acts[t][i].qs[128 * h + 32 * k..];
                            let x = _mm256_maddubs_epi16(q[k], load_i8(a));
                            sums[t] = madd_add(sums[t], s, x);
                        }
                    }
                }
                // The stored values are q + 32: take 32·Σ scale·Σa back out, in
                // integers (exact) before the block's one conversion to f32.
                let sc32 = _mm256_slli_epi16::<5>(sc16);
                for t in 0..N {
                    let a = &acts[t][i];
                    let corr = _mm256_madd_epi16(sc32, load_i16(&a.bsums));
                    acc[t] = _mm256_fmadd_ps(
                        _mm256_set1_ps(a.d * d),
                        _mm256_cvtepi32_ps(_mm256_sub_epi32(sums[t], corr)),
                        acc[t],
                    );
                }
            }
            for t in 0..N {
                out[t] = hsum(acc[t]);
            }
        }

        #[target_feature(enable = $features)]
        pub fn dot_float(
            f: Format,
            rows: &[u8],
            row_bytes: usize,
            acts: &[&[f32]],
            out: &mut [f32],
        ) {
            each_row(rows, row_bytes, acts, out, |row, a, o| match a.len() {
                1 => float::<1>(f, row, a, o),
                2 => float::<2>(f, row, a, o),
                3 => float::<3>(f, row, a, o),
                _ => float::<4>(f, row, a, o),
            })
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn float<const N: usize>(f: Format, row: &[u8], acts: &[&[f32]], out: &mut [f32]) {
            let width = if f == Format::F32 { 4 } else { 2 };
            let cols = row.len() / width;
            let mut acc = [_mm256_setzero_ps(); N];
            for j in 0..cols / 8 {
                let w = match f {
                    Format::F32 => load_f32_bytes(&row[32 * j..]),
                    // bf16 is the top half of an f32.
                    Format::Bf16 => _mm256_castsi256_ps(_mm256_slli_epi32::<16>(
                        _mm256_cvtepu16_epi32(load16(&row[16 * j..])),
                    )),
                    _ => _mm256_cvtph_ps(load16(&row[16 * j..])),
                };
                for t in 0..N {
                    acc[t] = _mm256_fmadd_ps(w, load_f32(&acts[t][8 * j..]), acc[t]);
                }
            }
            let done = cols / 8 * 8;
            for t in 0..N {
                let tail =
                    crate::cpu::quant::dot_float(f, &row[done * width..], &acts[t][done..cols]);
                out[t] = hsum(acc[t]) + tail;
            }
        }

        /// Token `t`'s 8 row results, `acc[t]`, into `out[r · tokens + t0 + t]`.
        #[inline]
        #[target_feature(enable = $features)]
        fn scatter_rows<const N: usize>(acc: &[__m256; N], out: &mut [f32], n: usize, t0: usize) {
            for (t, a) in acc.iter().enumerate() {
                let mut lanes = [0f32; 8];
                store_f32(&mut lanes, *a);
                for (r, v) in lanes.iter().enumerate() {
                    out[r * n + t0 + t] = *v;
                }
            }
        }

        /// Asks for the bytes [`super::PREFETCH_BYTES`] past `block` (a
        /// regrouped group or a row), as many as it holds, to be brought
        /// into L2, on the first tile of tokens only: the later tiles
        /// read the block again from cache. Decode streams each weight
        /// once, so keeping more reads in flight than the hardware
        /// prefetcher does is what is left to gain there. Into L2, not
        /// L1: the requests then leave L1's few fill buffers to the loads
        /// (`examples/kernels`, AVX2 on an Intel host: Q4_K 14 → 18 GB/s,
        /// Q6_K 13 → 16, Q8_0 17 → 21).
        #[inline]
        #[target_feature(enable = $features)]
        fn prefetch_ahead(block: &[u8]) {
            let start = block.as_ptr().wrapping_add(super::PREFETCH_BYTES);
            for line in (0..block.len()).step_by(64) {
                // A prefetch never faults, whatever the address.
                _mm_prefetch::<_MM_HINT_T1>(start.wrapping_add(line).cast::<i8>());
            }
        }

        /// Four activation bytes broadcast to every row's lane (one
        /// `vpbroadcastd` from memory).
        #[inline]
        #[target_feature(enable = $features)]
        fn broadcast4<const L: usize>(q: &[i8; L], at: usize) -> __m256i {
            assert!(at + 4 <= q.len());
            // SAFETY: the 4 bytes at `at` are inside `q` (asserted); the read is
            // unaligned and of a plain integer.
            let four = unsafe { std::ptr::read_unaligned(q.as_ptr().add(at).cast::<i32>()) };
            _mm256_set1_epi32(four)
        }

        #[inline]
        #[target_feature(enable = $features)]
        fn store_f32(out: &mut [f32; 8], v: __m256) {
            // SAFETY: `out` is 8 floats, exactly one unaligned 256-bit store.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), v) }
        }

        /// A regrouped Q4_K super-block's float step for one token: `acc`
        /// plus d · a.d · `sums` (the scaled sub-block sums of the 8 rows)
        /// minus dmin · a.d · Σ min_j · (the sub-block's activation sum),
        /// two sub-blocks per `madd_add`. The AVX2 and VNNI kernels share
        /// it, so they share its bits.
        #[inline]
        #[target_feature(enable = $features)]
        fn q4k_scaled(blk: &[u8], a: &Q8KBlock, sums: __m256i, acc: __m256) -> __m256 {
            let d8 = _mm256_cvtph_ps(load16(&blk[0..16]));
            let dmin8 = _mm256_cvtph_ps(load16(&blk[16..32]));
            let mut mins = _mm256_setzero_si256();
            for i in 0..4 {
                mins = madd_add(
                    mins,
                    _mm256_cvtepu8_epi16(load16(&blk[96 + 16 * i..])),
                    _mm256_set1_epi32(a.pairs[i]),
                );
            }
            let ad = _mm256_set1_ps(a.d);
            let acc = _mm256_fmadd_ps(_mm256_mul_ps(d8, ad), _mm256_cvtepi32_ps(sums), acc);
            _mm256_fnmadd_ps(_mm256_mul_ps(dmin8, ad), _mm256_cvtepi32_ps(mins), acc)
        }
    };
}

/// How far ahead of the block being read the kernels prefetch: eight
/// Q4_K groups. (Decode of 1.5B Q4_K_M on an AMD EPYC, best of four,
/// 29.4 → 33.8 t/s without → with four groups; into L2 on an Intel host,
/// 4 to 32 kB ahead streamed alike, 8 groups a little the best.)
const PREFETCH_BYTES: usize = 8 * crate::cpu::interleave::GROUP_BLOCK;

/// The largest batch the row kernels prefetch for: decode and a verified
/// draft (up to 9 tokens) are bound by memory, a prefill chunk (128) by
/// the arithmetic.
const PREFETCH_MAX_TOKENS: usize = 16;

/// Each group of 8 rows in `data` (`group_bytes` each) with the tokens
/// in tiles of [`TILE`]: `kernel(group, tile, group's out, tokens, first
/// token of the tile)`, the shape every regrouped kernel shares.
///
/// [`TILE`]: crate::cpu::raw::TILE
#[inline]
fn each_group_tile<A>(
    data: &[u8],
    group_bytes: usize,
    acts: &[&[A]],
    out: &mut [f32],
    mut kernel: impl FnMut(&[u8], &[&[A]], &mut [f32], usize, usize),
) {
    let n = acts.len();
    let tile = crate::cpu::raw::TILE;
    for (g, group) in data.chunks_exact(group_bytes).enumerate() {
        let rows = crate::cpu::interleave::ROWS;
        let o = &mut out[g * rows * n..(g + 1) * rows * n];
        for (k, a) in acts.chunks(tile).enumerate() {
            kernel(group, a, o, n, k * tile);
        }
    }
}

/// The x86-64-v3 baseline.
pub mod avx2 {
    use std::arch::x86_64::*;

    use crate::cpu::quant::{scales_mins_k4, Format, Q8Block, Q8KBlock};

    /// Σ u·s over unsigned bytes `u` and signed bytes `s`, in 8 i32 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn mul_us(u: __m256i, s: __m256i) -> __m256i {
        _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
    }

    /// `acc` + the pairwise products of i16 `a` and `b`, summed in pairs.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn madd_add(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        _mm256_add_epi32(acc, _mm256_madd_epi16(a, b))
    }

    kernels!("avx2,fma,f16c");

    use crate::cpu::interleave::GROUP_BLOCK;

    /// Regrouped Q4_K rows (`cpu::interleave`) times up to [`TILE`] tokens,
    /// for CPUs with AVX2 but no VNNI (most office PCs): `out[r · tokens +
    /// t]` for every row of the groups in `data`. The same integer sums as
    /// the VNNI kernel, hence the same bits: `maddubs` gives each row's
    /// products in i16 pairs, summed over a 32-value sub-block in i16 (at
    /// most 8 · 2 · 15 · 128 = 30,720, so nothing saturates), then `madd`
    /// by the row's scale, twice, widens them once per sub-block.
    ///
    /// [`TILE`]: crate::cpu::raw::TILE
    #[target_feature(enable = "avx2,fma,f16c")]
    pub fn dot_q4k_x8(data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
        super::each_group_tile(data, blocks * GROUP_BLOCK, acts, out, |g, a, o, n, t0| {
            in_pairs(a, t0, |pair, t, first| match pair.len() {
                1 => x8::<1>(g, pair, o, n, t, first),
                _ => x8::<2>(g, pair, o, n, t, first),
            })
        })
    }

    /// A tile's tokens two at a time (16 registers hold two tokens'
    /// accumulators; the later pairs read the group again from L1):
    /// `kernel(pair, its first token, whether to prefetch)`, prefetching
    /// on the group's first pass only.
    #[inline]
    fn in_pairs<A>(tile: &[&[A]], t0: usize, mut kernel: impl FnMut(&[&[A]], usize, bool)) {
        for (i, pair) in tile.chunks(2).enumerate() {
            kernel(pair, t0 + 2 * i, t0 == 0 && i == 0);
        }
    }

    /// Regrouped Q8_0 rows (`cpu::interleave`, also Q5_0's matrices) times
    /// up to [`TILE`] tokens, for CPUs with AVX2 but no VNNI. The layout
    /// keeps each weight + 128 for `vpdpbusd`, which would saturate
    /// `maddubs` (255 · 127 · 2 > i16); flipping the top bit back gives the
    /// signed weight, and `maddubs(|w|, sign(a, w))` sums w · a in pairs of
    /// at most 2 · 128 · 127 = 32,512. Σ w · a is the integer sum the VNNI
    /// kernel makes (Σ (w + 128) · a − 128 · Σ a), and the float step is
    /// its step, so both give the same bits.
    ///
    /// [`TILE`]: crate::cpu::raw::TILE
    #[target_feature(enable = "avx2,fma,f16c")]
    pub fn dot_q8_0_x8(data: &[u8], blocks: usize, acts: &[&[Q8Block]], out: &mut [f32]) {
        use crate::cpu::interleave::Q8_GROUP_BLOCK;
        super::each_group_tile(
            data,
            blocks * Q8_GROUP_BLOCK,
            acts,
            out,
            |g, a, o, n, t0| match a.len() {
                1 => q8x8::<1>(g, a, o, n, t0),
                2 => q8x8::<2>(g, a, o, n, t0),
                3 => q8x8::<3>(g, a, o, n, t0),
                _ => q8x8::<4>(g, a, o, n, t0),
            },
        )
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn q8x8<const N: usize>(
        group: &[u8],
        acts: &[&[Q8Block]],
        out: &mut [f32],
        n: usize,
        t0: usize,
    ) {
        use crate::cpu::interleave::Q8_GROUP_BLOCK;
        let flip = _mm256_set1_epi8(0x80u8 as i8);
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_ps(); N];
        for (b, blk) in group.chunks_exact(Q8_GROUP_BLOCK).enumerate() {
            if t0 == 0 {
                prefetch_ahead(blk);
            }
            let mut sums = [_mm256_setzero_si256(); N];
            for p in 0..8 {
                let w = _mm256_xor_si256(load(&blk[16 + 32 * p..]), flip);
                let abs = _mm256_abs_epi8(w);
                for t in 0..N {
                    let a = _mm256_sign_epi8(broadcast4(&acts[t][b].qs, 4 * p), w);
                    let pairs = _mm256_maddubs_epi16(abs, a);
                    sums[t] = _mm256_add_epi32(sums[t], _mm256_madd_epi16(pairs, ones));
                }
            }
            let d8 = _mm256_cvtph_ps(load16(&blk[0..16]));
            for t in 0..N {
                acc[t] = _mm256_fmadd_ps(
                    _mm256_mul_ps(d8, _mm256_set1_ps(acts[t][b].d)),
                    _mm256_cvtepi32_ps(sums[t]),
                    acc[t],
                );
            }
        }
        scatter_rows(&acc, out, n, t0);
    }

    /// Each of the 8 rows' scales twice, as i16: `(s_r, s_r)` in row r's lane.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn scales_twice(eight: &[u8]) -> __m256i {
        let s = load8(eight);
        _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(s, s))
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn x8<const N: usize>(
        group: &[u8],
        acts: &[&[Q8KBlock]],
        out: &mut [f32],
        n: usize,
        t0: usize,
        prefetch: bool,
    ) {
        let m4 = _mm256_set1_epi8(0x0F);
        let mut acc = [_mm256_setzero_ps(); N];
        for (sb, blk) in group.as_chunks::<GROUP_BLOCK>().0.iter().enumerate() {
            let qs: [&[i8; 256]; N] = std::array::from_fn(|t| &acts[t][sb].qs);
            if prefetch {
                prefetch_ahead(blk);
            }
            let mut sums = [_mm256_setzero_si256(); N];
            for c in 0..4 {
                let mut lo16 = [_mm256_setzero_si256(); N];
                let mut hi16 = [_mm256_setzero_si256(); N];
                for p in 0..8 {
                    let w = load(&blk[160 + (c * 8 + p) * 32..]);
                    let lo = _mm256_and_si256(w, m4);
                    let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(w), m4);
                    for t in 0..N {
                        let q = qs[t];
                        let a_lo = broadcast4(q, 64 * c + 4 * p);
                        let a_hi = broadcast4(q, 64 * c + 32 + 4 * p);
                        lo16[t] = _mm256_add_epi16(lo16[t], _mm256_maddubs_epi16(lo, a_lo));
                        hi16[t] = _mm256_add_epi16(hi16[t], _mm256_maddubs_epi16(hi, a_hi));
                    }
                }
                let sc_lo = scales_twice(&blk[32 + 16 * c..]);
                let sc_hi = scales_twice(&blk[40 + 16 * c..]);
                for t in 0..N {
                    let both = _mm256_add_epi32(
                        _mm256_madd_epi16(lo16[t], sc_lo),
                        _mm256_madd_epi16(hi16[t], sc_hi),
                    );
                    sums[t] = _mm256_add_epi32(sums[t], both);
                }
            }
            for t in 0..N {
                acc[t] = q4k_scaled(blk, &acts[t][sb], sums[t], acc[t]);
            }
        }
        scatter_rows(&acc, out, n, t0);
    }
}

/// AVX-512 with VNNI.
pub mod avx512 {
    use std::arch::x86_64::*;

    use crate::cpu::quant::{scales_mins_k4, Format, Q8Block, Q8KBlock};

    /// Σ u·s over unsigned bytes `u` and signed bytes `s`, in 8 i32 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    fn mul_us(u: __m256i, s: __m256i) -> __m256i {
        _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s)
    }

    /// `acc` + the pairwise products of i16 `a` and `b`, summed in pairs:
    /// one `vpdpwssd` (non-saturating, so the same sums as AVX2's).
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    fn madd_add(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        _mm256_dpwssd_epi32(acc, a, b)
    }

    kernels!("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni");

    use crate::cpu::interleave::GROUP_BLOCK;

    /// Regrouped Q4_K rows (`cpu::interleave`) times up to [`TILE`] tokens at
    /// a time: `out[r · tokens + t]` for every row of the groups in `data`.
    ///
    /// [`TILE`]: crate::cpu::raw::TILE
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    pub fn dot_q4k_x8(data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
        super::each_group_tile(data, blocks * GROUP_BLOCK, acts, out, |g, a, o, n, t0| {
            match a.len() {
                // Fewer tokens, more independent chains per token; four
                // tokens already fill the 32 registers.
                1 => x8::<1, 4>(g, a, o, n, t0),
                2 => x8::<2, 2>(g, a, o, n, t0),
                3 => x8::<3, 1>(g, a, o, n, t0),
                _ => x8::<4, 1>(g, a, o, n, t0),
            }
        })
    }

    /// Regrouped Q8_0 rows (`cpu::interleave`) times the tokens' Q8
    /// activations: `out[r · tokens + t]` for every row of the groups.
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    pub fn dot_q8_0_x8(data: &[u8], blocks: usize, acts: &[&[Q8Block]], out: &mut [f32]) {
        use crate::cpu::interleave::Q8_GROUP_BLOCK;
        super::each_group_tile(
            data,
            blocks * Q8_GROUP_BLOCK,
            acts,
            out,
            |g, a, o, n, t0| match a.len() {
                1 => q8x8::<1, 4>(g, a, o, n, t0),
                2 => q8x8::<2, 2>(g, a, o, n, t0),
                3 => q8x8::<3, 1>(g, a, o, n, t0),
                _ => q8x8::<4, 1>(g, a, o, n, t0),
            },
        )
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    fn q8x8<const N: usize, const CHAINS: usize>(
        group: &[u8],
        acts: &[&[Q8Block]],
        out: &mut [f32],
        n: usize,
        t0: usize,
    ) {
        use crate::cpu::interleave::Q8_GROUP_BLOCK;
        let mut acc = [_mm256_setzero_ps(); N];
        for (b, blk) in group.chunks_exact(Q8_GROUP_BLOCK).enumerate() {
            if t0 == 0 {
                prefetch_ahead(blk);
            }
            let d8 = _mm256_cvtph_ps(load16(&blk[0..16]));
            let mut sums = [[_mm256_setzero_si256(); CHAINS]; N];
            for p in 0..8 {
                let w = load(&blk[16 + 32 * p..]);
                for t in 0..N {
                    let a = broadcast4(&acts[t][b].qs, 4 * p);
                    sums[t][p % CHAINS] = _mm256_dpbusd_epi32(sums[t][p % CHAINS], w, a);
                }
            }
            for t in 0..N {
                let a = &acts[t][b];
                let s = sums[t][1..]
                    .iter()
                    .fold(sums[t][0], |x, y| _mm256_add_epi32(x, *y));
                let s = _mm256_sub_epi32(s, _mm256_set1_epi32(128 * a.qsum));
                acc[t] = _mm256_fmadd_ps(
                    _mm256_mul_ps(d8, _mm256_set1_ps(a.d)),
                    _mm256_cvtepi32_ps(s),
                    acc[t],
                );
            }
        }
        scatter_rows(&acc, out, n, t0);
    }

    /// Regrouped Q6_K rows (`cpu::interleave`) times the tokens' Q8_K
    /// activations: `out[r · tokens + t]` for every row of the groups.
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    pub fn dot_q6k_x8(data: &[u8], blocks: usize, acts: &[&[Q8KBlock]], out: &mut [f32]) {
        use crate::cpu::interleave::Q6_GROUP_BLOCK;
        super::each_group_tile(
            data,
            blocks * Q6_GROUP_BLOCK,
            acts,
            out,
            |g, a, o, n, t0| match a.len() {
                1 => q6x8::<1, 2>(g, a, o, n, t0),
                2 => q6x8::<2, 1>(g, a, o, n, t0),
                3 => q6x8::<3, 1>(g, a, o, n, t0),
                _ => q6x8::<4, 1>(g, a, o, n, t0),
            },
        )
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    fn q6x8<const N: usize, const CHAINS: usize>(
        group: &[u8],
        acts: &[&[Q8KBlock]],
        out: &mut [f32],
        n: usize,
        t0: usize,
    ) {
        use crate::cpu::interleave::Q6_GROUP_BLOCK;
        let m4 = _mm256_set1_epi8(0x0F);
        let m3 = _mm256_set1_epi8(3);
        let mut acc = [_mm256_setzero_ps(); N];
        for (sb, blk) in group.chunks_exact(Q6_GROUP_BLOCK).enumerate() {
            let qs: [&[i8; 256]; N] = std::array::from_fn(|t| &acts[t][sb].qs);
            if t0 == 0 {
                prefetch_ahead(blk);
            }
            let d8 = _mm256_cvtph_ps(load16(&blk[0..16]));
            let mut sums = [_mm256_setzero_si256(); N];
            for h in 0..2 {
                // Each 16 values of each quarter have their own scale: one
                // pass per half of the pieces.
                for s in 0..2 {
                    let mut q_acc = [[[_mm256_setzero_si256(); CHAINS]; 4]; N];
                    for p in 4 * s..4 * s + 4 {
                        let base = 144 + (h * 8 + p) * 96;
                        let ql0 = load(&blk[base..]);
                        let ql1 = load(&blk[base + 32..]);
                        let qh = load(&blk[base + 64..]);
                        let high = |v: __m256i| _mm256_slli_epi16::<4>(_mm256_and_si256(v, m3));
                        let q = [
                            _mm256_or_si256(_mm256_and_si256(ql0, m4), high(qh)),
                            _mm256_or_si256(
                                _mm256_and_si256(ql1, m4),
                                high(_mm256_srli_epi16::<2>(qh)),
                            ),
                            _mm256_or_si256(
                                _mm256_and_si256(_mm256_srli_epi16::<4>(ql0), m4),
                                high(_mm256_srli_epi16::<4>(qh)),
                            ),
                            _mm256_or_si256(
                                _mm256_and_si256(_mm256_srli_epi16::<4>(ql1), m4),
                                high(_mm256_srli_epi16::<6>(qh)),
                            ),
                        ];
                        let c = p % CHAINS;
                        for t in 0..N {
                            let a = qs[t];
                            for k in 0..4 {
                                let x = broadcast4(a, 128 * h + 32 * k + 4 * p);
                                q_acc[t][k][c] = _mm256_dpbusd_epi32(q_acc[t][k][c], q[k], x);
                            }
                        }
                    }
                    for t in 0..N {
                        let a = &acts[t][sb];
                        for (k, chains) in q_acc[t].iter().enumerate() {
                            let g = 8 * h + 2 * k + s;
                            let sum = chains[1..]
                                .iter()
                                .fold(chains[0], |x, y| _mm256_add_epi32(x, *y));
                            // The stored values are q + 32.
                            let sum =
                                _mm256_sub_epi32(sum, _mm256_set1_epi32(32 * a.bsums[g] as i32));
                            let sc = _mm256_cvtepi8_epi32(load8(&blk[16 + 8 * g..]));
                            sums[t] = _mm256_add_epi32(sums[t], _mm256_mullo_epi32(sum, sc));
                        }
                    }
                }
            }
            for t in 0..N {
                let ad = _mm256_set1_ps(acts[t][sb].d);
                acc[t] =
                    _mm256_fmadd_ps(_mm256_mul_ps(d8, ad), _mm256_cvtepi32_ps(sums[t]), acc[t]);
            }
        }
        scatter_rows(&acc, out, n, t0);
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
    fn x8<const N: usize, const CHAINS: usize>(
        group: &[u8],
        acts: &[&[Q8KBlock]],
        out: &mut [f32],
        n: usize,
        t0: usize,
    ) {
        let m4 = _mm256_set1_epi8(0x0F);
        let mut acc = [_mm256_setzero_ps(); N];
        // Fixed-size blocks: the offsets below are then checked at compile time.
        for (sb, blk) in group.as_chunks::<GROUP_BLOCK>().0.iter().enumerate() {
            // The tokens' activations for this super-block, looked up once.
            let qs: [&[i8; 256]; N] = std::array::from_fn(|t| &acts[t][sb].qs);
            if t0 == 0 {
                prefetch_ahead(blk);
            }
            let mut sums = [_mm256_setzero_si256(); N];
            for c in 0..4 {
                // Independent chains of `vpdpbusd` (latency ~4 cycles): a
                // single token needs several to keep the unit busy. Integer
                // sums, so how they are split changes no bit.
                let mut lo_acc = [[_mm256_setzero_si256(); CHAINS]; N];
                let mut hi_acc = [[_mm256_setzero_si256(); CHAINS]; N];
                for p in 0..8 {
                    let w = load(&blk[160 + (c * 8 + p) * 32..]);
                    let lo = _mm256_and_si256(w, m4);
                    let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(w), m4);
                    let k = p % CHAINS;
                    for t in 0..N {
                        let q = qs[t];
                        let a_lo = broadcast4(q, 64 * c + 4 * p);
                        let a_hi = broadcast4(q, 64 * c + 32 + 4 * p);
                        lo_acc[t][k] = _mm256_dpbusd_epi32(lo_acc[t][k], lo, a_lo);
                        hi_acc[t][k] = _mm256_dpbusd_epi32(hi_acc[t][k], hi, a_hi);
                    }
                }
                let lo_acc: [__m256i; N] = std::array::from_fn(|t| {
                    lo_acc[t][1..]
                        .iter()
                        .fold(lo_acc[t][0], |a, b| _mm256_add_epi32(a, *b))
                });
                let hi_acc: [__m256i; N] = std::array::from_fn(|t| {
                    hi_acc[t][1..]
                        .iter()
                        .fold(hi_acc[t][0], |a, b| _mm256_add_epi32(a, *b))
                });
                let sc_lo = _mm256_cvtepu8_epi32(load8(&blk[32 + 16 * c..]));
                let sc_hi = _mm256_cvtepu8_epi32(load8(&blk[40 + 16 * c..]));
                for t in 0..N {
                    let both = _mm256_add_epi32(
                        _mm256_mullo_epi32(lo_acc[t], sc_lo),
                        _mm256_mullo_epi32(hi_acc[t], sc_hi),
                    );
                    sums[t] = _mm256_add_epi32(sums[t], both);
                }
            }
            for t in 0..N {
                acc[t] = q4k_scaled(blk, &acts[t][sb], sums[t], acc[t]);
            }
        }
        scatter_rows(&acc, out, n, t0);
    }
}

/// Runs `f` inside a function compiled for AVX2, FMA and F16C. The
/// executable is built for baseline x86-64 (so that it starts on any PC);
/// the plain-Rust loops `f` inlines (attention, norms, activation
/// quantization) are then vectorised 8-wide here instead of 4-wide. Only
/// instructions change: without fast-math the compiler keeps every float
/// operation and its order, so the results are the same bits.
///
/// # Safety
/// The CPU must have AVX2, FMA and F16C.
#[target_feature(enable = "avx2,fma,f16c")]
pub unsafe fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// As [`with_avx2`] for a [`super::Vectorised`] loop, whose `run` is
/// always inlined: large bodies too are compiled here for AVX2.
///
/// # Safety
/// The CPU must have AVX2, FMA and F16C.
#[target_feature(enable = "avx2,fma,f16c")]
pub unsafe fn run_avx2<V: super::Vectorised>(v: V) -> V::Output {
    v.run()
}

/// The attention loops of `cpu::loops` compiled for AVX2 + FMA, each its
/// own function (inlined into a large caller, the compiler no longer
/// vectorises their fixed lanes).
pub mod f32_loops {
    use crate::cpu::loops;

    /// # Safety
    /// The CPU must have AVX2, FMA and F16C.
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn dot(a: &[f32], b: &[f32]) -> f32 {
        loops::dot(a, b)
    }

    /// # Safety
    /// As [`dot`].
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn dot4(q: &[f32], keys: &[f32]) -> [f32; 4] {
        loops::dot4(q, keys)
    }

    /// # Safety
    /// As [`dot`].
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn weighted_sum(p: &[f32], values: &[f32], hd: usize, out: &mut [f32]) {
        loops::weighted_sum(p, values, hd, out)
    }

    /// f16 bits to f32, eight at a time (`vcvtph2ps`).
    ///
    /// # Safety
    /// As [`dot`].
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn f16_to_f32(from: &[u16], to: &mut [f32]) {
        use std::arch::x86_64::*;
        assert_eq!(from.len(), to.len());
        let main = from.len() / 8 * 8;
        for i in (0..main).step_by(8) {
            // SAFETY: i + 8 ≤ both lengths (asserted equal); unaligned
            // 16-byte load and 32-byte store.
            unsafe {
                let h = _mm_loadu_si128(from.as_ptr().add(i).cast());
                _mm256_storeu_ps(to.as_mut_ptr().add(i), _mm256_cvtph_ps(h));
            }
        }
        for (t, &f) in to[main..].iter_mut().zip(&from[main..]) {
            *t = half::f16::from_bits(f).to_f32();
        }
    }

    /// f32 to f16 bits, rounding to nearest even, eight at a time.
    ///
    /// # Safety
    /// As [`dot`].
    #[inline(never)]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn f32_to_f16(from: &[f32], to: &mut [u16]) {
        use std::arch::x86_64::*;
        assert_eq!(from.len(), to.len());
        let main = from.len() / 8 * 8;
        for i in (0..main).step_by(8) {
            // SAFETY: i + 8 ≤ both lengths (asserted equal); unaligned
            // 32-byte load and 16-byte store.
            unsafe {
                let v = _mm256_loadu_ps(from.as_ptr().add(i));
                let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v);
                _mm_storeu_si128(to.as_mut_ptr().add(i).cast(), h);
            }
        }
        for (t, &f) in to[main..].iter_mut().zip(&from[main..]) {
            *t = half::f16::from_f32(f).to_bits();
        }
    }
}
