//! Keeps the compute pool's other workers awake for the length of one
//! forward pass.
//!
//! Why: a decode step is ~140 short parallel passes (five per layer) with a
//! few microseconds of serial work between them. Idle rayon workers go to
//! sleep, and waking one costs tens of microseconds on a virtual machine:
//! measured on 2 threads, the second worker was off the CPU 14 % of a decode
//! step and two threads decoded only 8 % faster than one (llama.cpp's
//! spinning pool, 37 %). Here each other worker runs a job that polls the
//! pool for stolen work until the pass ends, as llama.cpp's threads spin
//! between the ops of one graph; between passes they sleep as before.

use std::sync::atomic::{AtomicBool, Ordering};

/// Runs `body` on the current pool with its other workers polling for work
/// instead of sleeping until `body` returns. Outside a pool, or with one
/// thread, it is `body()`.
pub fn with_workers_awake<R>(body: impl FnOnce() -> R) -> R {
    let threads = rayon::current_num_threads();
    if threads < 2 || rayon::current_thread_index().is_none() {
        return body();
    }
    let done = AtomicBool::new(false);
    // In place: `body` runs on this thread, so it need not be `Send`.
    rayon::in_place_scope(|s| {
        for _ in 1..threads {
            s.spawn(|_| {
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        std::hint::spin_loop();
                    }
                }
            });
        }
        let out = body();
        done.store(true, Ordering::Release);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn the_body_runs_once_and_its_parallel_work_completes_in_a_pool() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let sum = pool.install(|| {
            with_workers_awake(|| (0..10_000u64).into_par_iter().map(|x| x * 2).sum::<u64>())
        });
        assert_eq!(sum, 10_000 * 9_999);
        // Outside any pool it is a plain call.
        assert_eq!(with_workers_awake(|| 7), 7);
    }
}
