//! The import benchmark (prints figures; not a timed test).
//!
//! ```text
//! import_bench checkpoint DIR [1.5b|tiny-qwen2|tiny-qwen3|tiny-llama]
//! import_bench import DIR TYPE OUT_DIR [--report]
//! ```
//!
//! `checkpoint` writes a random-weight Hugging Face folder (the 1.5B one is
//! Qwen2.5-1.5B's shape in BF16, 3.1 GB); `import` converts it on the
//! default thread pool and prints the wall time and the process's peak
//! resident memory, for comparison with `llama-quantize` on the same shape
//! (docs/benchmarks.md).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use engine::writer::FileType;
use engine::{Architecture, CancelToken};
use import::testing::{self, CheckpointSpec};

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match args.first().map(String::as_str) {
        Some("checkpoint") => {
            let dir = PathBuf::from(args.get(1).context("falta DIR")?);
            let spec = match args.get(2).map(String::as_str).unwrap_or("1.5b") {
                "1.5b" => CheckpointSpec::qwen25_1_5b(),
                "tiny-qwen2" => CheckpointSpec::tiny(Architecture::Qwen2),
                "tiny-qwen3" => CheckpointSpec::tiny(Architecture::Qwen3),
                "tiny-llama" => CheckpointSpec::tiny(Architecture::Llama),
                other => bail!("forma desconocida: {other}"),
            };
            let started = Instant::now();
            testing::write_checkpoint(&spec, &testing::qwen_tokenizer_dir(&workspace), &dir)?;
            println!(
                "wrote {} in {:.1} s",
                dir.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Some("import") => {
            let dir = PathBuf::from(args.get(1).context("falta DIR")?);
            let t = args
                .get(2)
                .and_then(|t| FileType::parse(t))
                .context("falta TYPE (q4_k_m, q5_k_m, q8_0, f16, bf16)")?;
            let out_dir = PathBuf::from(args.get(3).context("falta OUT_DIR")?);
            let report = args.iter().any(|a| a == "--report");
            let started = Instant::now();
            let cp = import::Checkpoint::open(&dir, None)?;
            let request = import::Request {
                outputs: vec![(t, cp.output_in(&out_dir, t))],
                report: report.then(import::Corpus::clinical),
                threads: None,
            };
            let done = import::run(&cp, &request, &CancelToken::new(), &mut |_| {})?;
            let seconds = started.elapsed().as_secs_f64();
            for o in &done.outputs {
                println!(
                    "{}: {} ({:.1} MB) in {seconds:.1} s (conversion {:.1} s), peak RSS {:.0} MB, {} threads",
                    o.file_type.name(),
                    o.path.display(),
                    o.bytes as f64 / 1e6,
                    o.seconds,
                    peak_rss_mb().unwrap_or(f64::NAN),
                    rayon::current_num_threads()
                );
            }
            if let Some(r) = &done.report {
                print!("{}", r.render_text());
            }
        }
        _ => bail!(
            "uso: import_bench checkpoint DIR [1.5b|tiny-…] | import DIR TYPE OUT_DIR [--report]"
        ),
    }
    Ok(())
}
