//! How fast each CPU kernel streams a decode step's weights: one token
//! against ~600 MB of `(8960, 1536)` matrices of one format (more than any
//! cache), through the same [`engine::cpu::matmul`] a forward pass calls,
//! on a pool of the given threads. Decode at batch 1 is bound by these
//! bytes, so a kernel far under the machine's memory bandwidth is the one
//! to work on. Prints one line per format and batch: GB/s, best of five.
//!
//! ```text
//! cargo run --release -p engine --example kernels -- [THREADS]
//! EPICRISIS_NO_AVX512=1 cargo run --release -p engine --example kernels   # the AVX2 kernels
//! ```

use std::time::Instant;

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use engine::cpu::matmul::{matmul, Acts, Weight};
use engine::cpu::quant::Format;
use engine::cpu::raw;

const ROWS: usize = 8960;
const COLS: usize = 1536;
const TOTAL_BYTES: usize = 600 << 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let threads = match std::env::args().nth(1) {
        Some(t) => t.parse()?,
        None => 2,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    println!("kernels: {}, {threads} threads", raw::level().name());
    let values: Vec<f32> = (0..ROWS * COLS)
        .map(|i| ((i as u64).wrapping_mul(2_654_435_761) % 2001) as f32 / 1000.0 - 1.0)
        .collect();
    let dense = Tensor::from_vec(values, (ROWS, COLS), &Device::Cpu)?;
    for (format, dtype) in [
        (Format::Q4K, GgmlDType::Q4K),
        (Format::Q6K, GgmlDType::Q6K),
        (Format::Q8_0, GgmlDType::Q8_0),
        (Format::Q5_0, GgmlDType::Q5_0),
        (Format::Q4_0, GgmlDType::Q4_0),
    ] {
        let stored = QTensor::quantize(&dense, dtype)?.data()?.into_owned();
        let weight = |bytes: Vec<u8>| -> Option<Weight> {
            if raw::regroups(format) {
                Weight::regroup(format, ROWS, COLS, &bytes)
            } else {
                Weight::owned(format, ROWS, COLS, bytes)
            }
        };
        let copies = TOTAL_BYTES / stored.len();
        let weights: Vec<Weight> = (0..copies)
            .map(|_| weight(stored.clone()).ok_or("shape"))
            .collect::<Result<_, _>>()?;
        let file_bytes = (copies * stored.len()) as f64;
        let resident: usize = weights.iter().map(Weight::owned_bytes).sum();
        for tokens in [1, 4, 8, 32] {
            let x: Vec<f32> = (0..tokens * COLS).map(|i| (i % 17) as f32 - 8.0).collect();
            let best = pool.install(|| {
                let mut out = Vec::new();
                let mut best = f64::INFINITY;
                for _ in 0..5 {
                    let start = Instant::now();
                    for w in &weights {
                        let acts = Acts::new(&x, COLS, &[w]);
                        matmul(&[w], &acts, &mut [&mut out]);
                    }
                    best = best.min(start.elapsed().as_secs_f64());
                }
                best
            });
            println!(
                "{format:?}{} {tokens} token(s): {:.1} GB/s of the file's bytes ({:.1} GB/s resident), {:.2} ms per {:.0} MB",
                if raw::regroups(format) { " regrouped" } else { "" },
                file_bytes / best / 1e9,
                resident as f64 / best / 1e9,
                best * 1e3,
                file_bytes / 1e6,
            );
        }
    }
    Ok(())
}
