//! Writes a random-weight GGUF with the real Qwen tokenizer, for benchmarks:
//!
//! ```text
//! cargo run --release -p engine --example synth_model -- 1.5b q4_k_m models/bench-1.5b-q4_k_m.gguf
//! ```
//!
//! Shapes: `0.5b`, `1.5b` (Qwen2.5), and `e2e`: a small model with a 4096
//! context whose tokens come slowly enough (tens per second) for the
//! end-to-end tests to watch a text stream in and stop it; recipes:
//! `q4_k_m`, `q8_0`.

use std::path::Path;

use engine::synthetic::{write_model, FileType, Spec, TokenizerMetadata};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [shape, recipe, out] = args.as_slice() else {
        return Err("usage: synth_model (0.5b|1.5b|e2e) (q4_k_m|q8_0) OUT.gguf".into());
    };
    let recipe = match recipe.as_str() {
        "q4_k_m" => FileType::Q4KM,
        "q8_0" => FileType::Q8_0,
        other => return Err(format!("unknown recipe {other}").into()),
    };
    let spec = match shape.as_str() {
        "0.5b" => Spec::qwen25_0_5b(recipe),
        "1.5b" => Spec::qwen25_1_5b(recipe),
        "e2e" => Spec {
            layers: 4,
            hidden: 512,
            feed_forward: 1024,
            heads: 8,
            kv_heads: 4,
            head_dim: 64,
            context: 4096,
            recipe,
            ..Spec::tiny(engine::Architecture::Qwen2)
        },
        other => return Err(format!("unknown shape {other}").into()),
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(engine::synthetic::QWEN_TOKENIZER_DIR);
    let meta = TokenizerMetadata::from_files(
        &dir.join("tokenizer.json"),
        Some(&dir.join("tokenizer_config.json")),
    )?;
    let started = std::time::Instant::now();
    write_model(&spec, &meta, Path::new(out))?;
    eprintln!("wrote {out} in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
