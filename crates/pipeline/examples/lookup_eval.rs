//! Prompt-lookup decoding on real epicrisis generations: each episode is
//! drafted twice with the same seeded sampling, lookup off and on, and the
//! figures printed (decode speed, acceptance, whether the texts are equal).
//!
//! ```sh
//! cargo run --release -p pipeline --example lookup_eval -- \
//!     models/cache/SmolLM2-135M-Instruct.Q4_1.gguf tests/data/episodes/*.json
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let model: PathBuf = args
        .next()
        .expect("uso: lookup_eval MODELO EPISODIO…")
        .into();
    let episodes: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let options = engine::LoadOptions {
        model,
        threads: Some(2),
        ..Default::default()
    };
    let engine = engine::Engine::start(options, engine::CancelToken::new()).unwrap();
    // The window's plan for this model, with the settings' defaults.
    let plan = pipeline::Plan::new(
        engine.info(),
        pipeline::ProfileChoice::Auto,
        None,
        pipeline::SamplingSource::Settings {
            seed: engine::Sampling::default().seed,
        },
        &pipeline::Settings::default(),
    );
    println!(
        "| episodio | tokens | sin búsqueda t/s | con búsqueda t/s | × | aceptados | texto igual |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    let (mut plain_ms, mut lookup_ms, mut tokens) = (0.0, 0.0, 0usize);
    for path in episodes {
        let loaded = pipeline::load_episode(&path).unwrap();
        let run = |lookup: usize| {
            let plan = pipeline::Plan {
                sampling: engine::Sampling {
                    lookup,
                    ..plan.sampling.clone()
                },
                ..plan.clone()
            };
            pipeline::generate(
                &engine,
                &loaded.episode,
                &plan,
                &pipeline::Task::Whole,
                &engine::CancelToken::new(),
                &mut |_| {},
            )
            .unwrap()
        };
        let off = run(0);
        let on = run(engine::sampler::DEFAULT_LOOKUP);
        let s = &on.stats;
        plain_ms += off.stats.decode_ms;
        lookup_ms += s.decode_ms;
        tokens += s.generated_tokens;
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.2} | {} de {} ({:.0} %) | {} |",
            path.file_name().unwrap().to_string_lossy(),
            s.generated_tokens,
            off.stats.decode_tok_s,
            s.decode_tok_s,
            s.decode_tok_s / off.stats.decode_tok_s,
            s.lookup_accepted,
            s.lookup_drafted,
            100.0 * s.lookup_accepted as f64 / s.lookup_drafted.max(1) as f64,
            if off.raw == on.raw { "sí" } else { "NO" }
        );
    }
    println!(
        "\nen total: {tokens} tokens, decodificación {:.2}× más rápida con búsqueda",
        plain_ms / lookup_ms.max(1e-9)
    );
}
