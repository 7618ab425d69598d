//! PDF export speed: the first document (fonts parsed, typst warmed) and
//! the following ones, as the app exports them. Prints figures; the target
//! is under 300 ms per document after the first.
//!
//! ```text
//! cargo bench -p export --bench export
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/episodes/neumonia.json");
    let episode =
        clinical::normalize(clinical::parse_episode(&std::fs::read(path).unwrap()).unwrap());
    let text = clinical::draft(&episode);
    let options = export::Options::default();

    let t = Instant::now();
    let first = export::pdf(&episode, &text, &options).unwrap();
    let first_time = t.elapsed();

    // A different text each time, as after an edit, so no run is a pure
    // cache hit.
    let mut times: Vec<Duration> = (0..30)
        .map(|i| {
            let edited = format!("{text}\nNota de edición {i}.");
            let t = Instant::now();
            export::pdf(&episode, &edited, &options).unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "export benchmark (neumonia.json, {} kB PDF): first {:.0} ms; after the first: median {:.0} ms, p99 {:.0} ms, min {:.0} ms",
        first.len() / 1024,
        ms(first_time),
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
        ms(times[0])
    );
    let t = Instant::now();
    for _ in 0..30 {
        export::text(&episode, &text, &options);
    }
    println!("text export: {:.2} ms per document", ms(t.elapsed()) / 30.0);
}
